import { createRemoteJWKSet } from 'jose';
import { listApprovals, listToolApprovals, verifyApprovalReceipt } from '../../client';
import { hiddenField, signInAs, TestBrowser } from '../../test/support/oidc';
import { ScriptedModel } from '../../test/support/scripted-model';
import { connectDemo, DemoError, print, resultOf, runDemo, runWorkerUntilCleanup, type DemoRun } from '../demo-support';
import { AGENT_TASK_QUEUE, createAgentWorker } from './worker';
import { approvalUrlsQuery, type ItOpsAgentInput, type itOpsAgent } from './workflows';

/**
 * `npm run demo -- agent`: the agent approval example end to end against `npm start`. An
 * IT-operations agent (the AI SDK's test model, scripted: no network model) first reads a host's
 * disk usage, which its policy approves, then restarts a service, which waits for a person of the
 * on-call group. The demo plays alice, who signs in at the development provider and approves;
 * the tool runs, the model gets its result, and the demo prints the calls' record and verifies
 * both receipts (the policy's for the read, alice's for the restart) against the gateway's
 * published keys.
 */

const HOST = 'db-eu-1';
const SCRIPT = [
  [{ id: 'call-1', tool: 'diskUsage', args: { host: HOST } }],
  [{ id: 'call-2', tool: 'restartService', args: { host: HOST, service: 'postgres' } }],
];

async function agentDemo(run: DemoRun): Promise<number> {
  const context = await connectDemo(run, 'agent');
  print(`starting the example's worker on task queue '${AGENT_TASK_QUEUE}' (bundling the agent with the AI SDK takes a few seconds)`);
  const model = new ScriptedModel();
  const worker = await createAgentWorker({ connection: context.workerConnection, namespace: context.temporal.namespace, modelProvider: model.provider, log: (line) => print(`ops: ${line}`) });
  runWorkerUntilCleanup(run, worker);

  const workflowId = `agent-approval-demo-${Date.now()}`;
  const input: ItOpsAgentInput = { prompt: ScriptedModel.prompt(workflowId, SCRIPT), approverGroup: 'oncall', timeout: '10 minutes' };
  const handle = await context.client.workflow.start<typeof itOpsAgent>('itOpsAgent', { taskQueue: AGENT_TASK_QUEUE, workflowId, args: [input] });
  run.workflowId = workflowId;
  print(`workflow started: itOpsAgent, id ${workflowId}; the model will read ${HOST}'s disk usage, then restart postgres there`);

  let url: string | undefined;
  for (let waited = 0; !(url = (await handle.query(approvalUrlsQuery))['call-2']); waited += 250) {
    if (waited > 60_000) throw new DemoError('The agent asked for no approval within a minute: is the worker running?');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  print(`the restart waits for a person of the on-call group; approval page: ${url}`);
  print('  (open it in a browser and sign in as alice, any password, to decide yourself; the demo decides in 3 s)');
  await new Promise((resolve) => setTimeout(resolve, 3_000));

  const browser = new TestBrowser();
  const page = (await (await signInAs(browser, url, 'alice')).response?.text()) ?? '';
  const csrf = hiddenField(page, 'csrf');
  const actionDigest = hiddenField(page, 'actionDigest');
  if (!csrf || !actionDigest) {
    if ((await listApprovals(context.client, workflowId))[0]?.status !== 'pending') print('  (decided already, in a browser)');
    else throw new DemoError('The approval page did not offer alice the decision after signing in.');
  } else {
    const response = await browser.postForm(url, { decision: 'approve', comment: 'Go ahead: the disk is at 91%.', csrf, actionDigest }, { accept: 'application/json' });
    const body = (await response.json()) as { status?: string; error?: { code: string; message: string } };
    print(`  alice approves: ${response.status} ${body.error ? `${body.error.code}: ${body.error.message}` : (body.status ?? '')}`);
  }

  const text = await resultOf<string>(handle, 'agent');
  print(`agent finished; its last answer: ${JSON.stringify(text)}`);
  print(`what the model got back from the restart: ${JSON.stringify(model.resultsAfter(workflowId, 1)?.['call-2'])}`);
  print('the tool calls, as listToolApprovals reads them:');
  const calls = await listToolApprovals(context.client, workflowId);
  for (const call of calls) {
    console.log(`    ${call.tool}(${JSON.stringify(call.arguments)}): ${call.status}${call.autoApprovedReason ? ` (${call.autoApprovedReason})` : ''}${call.executed ? ', ran' : ', did not run'}`);
  }
  const keys = createRemoteJWKSet(new URL('/.well-known/jwks.json', context.gatewayUrl));
  // The read-only call ran without a person, and that decision is signed too.
  const byPolicy = calls.find((call) => call.status === 'auto_approved');
  if (!byPolicy?.receipt) {
    print('no receipt was signed for the call the policy approved');
    return 1;
  }
  const policy = await verifyApprovalReceipt(byPolicy.receipt, keys);
  print(`the policy's receipt verified (key ${policy.kid}): ${policy.record.outcome} by ${policy.record.decidedBy} (${policy.record.policy?.reason}), binding ${JSON.stringify(policy.record.action.details)}`);
  const [approval] = await listApprovals(context.client, workflowId);
  if (!approval?.receipt) {
    print('no receipt was signed');
    return 1;
  }
  const verified = await verifyApprovalReceipt(approval.receipt, keys);
  const vote = verified.record.votes[0];
  print(`receipt verified against ${context.gatewayUrl}/.well-known/jwks.json (key ${verified.kid}): ${verified.record.outcome} by ${vote ? `${vote.approver.email ?? vote.approver.subject} via ${vote.approver.via}` : 'nobody'}`);
  print(`  it binds: ${JSON.stringify(verified.record.action.details)} (action digest ${verified.record.actionDigest})`);
  print(`receipt: ${approval.receipt}`);
  return verified.record.outcome === 'approved' && policy.record.decidedBy === 'policy' ? 0 : 1;
}

runDemo(agentDemo);
