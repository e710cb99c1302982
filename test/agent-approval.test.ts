import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { AiSdkPlugin } from '@temporalio/ai-sdk';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { approvalsQuery } from '../protocol/definitions';
import { listToolApprovals, verifyApprovalReceipt } from '../client';
import type { ApprovalRecord, ToolCallApproval, ToolCallRefused } from '../workflows';
import { actionDigest } from '../tokens/action-digest';
import { agentApprovalUrlsQuery, rollSignal, type AgentActivities, type OpsAgentInput, type opsAgent, type rollingOpsAgent } from './workflows/agent';
import { pollUntil } from './support/async';
import { errorOf, postJson, startHarness, TEST_RECEIPT_ISSUER, type Harness } from './support/harness';
import { runTsx } from './support/processes';
import { TEST_TEMPORAL_ADDRESS } from './support/test-env';
import { ScriptedModel, type ScriptedCall } from './support/scripted-model';

const AGENT_WORKFLOWS = require.resolve('./workflows/agent');
const REPLAY_FIXTURE = path.join(__dirname, 'fixtures', 'histories', 'agent-pending-approval.binpb');

const model = new ScriptedModel();
/** How many times each tool really ran, by `tool:host`. */
const runs = new Map<string, number>();
const count = (key: string) => runs.set(key, (runs.get(key) ?? 0) + 1);
const activities: AgentActivities = {
  async diskUsage(host) {
    count(`diskUsage:${host}`);
    return { host, usedPercent: 42 };
  },
  async restartService(host, service) {
    count(`restartService:${host}`);
    return { restarted: `${service}@${host}` };
  },
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ workflowsPath: AGENT_WORKFLOWS, plugins: [new AiSdkPlugin({ modelProvider: model.provider })], activities });
}, 120_000);
afterAll(() => h?.close());

type Handle = WorkflowHandle<typeof opsAgent>;
const LINK_HOLDERS: OpsAgentInput['approval'] = { allowLinkHolders: true, timeout: '10m' };
const restart = (id: string, host: string): ScriptedCall => ({ id, tool: 'restartService', args: { host, service: 'nginx' } });

async function startAgent(steps: ScriptedCall[][], approval = LINK_HOLDERS): Promise<{ handle: Handle; script: string }> {
  const script = `agent-${randomUUID()}`;
  const handle = await h.start<typeof opsAgent>('opsAgent', [{ prompt: ScriptedModel.prompt(script, steps), approval }]);
  return { handle, script };
}

/** The approval URL of a tool call, once the agent asked for it. */
async function approvalUrl(handle: Handle, toolCallId: string): Promise<string> {
  let url: string | undefined;
  await pollUntil(`the approval of ${toolCallId}`, async () => Boolean((url = (await handle.query(agentApprovalUrlsQuery))[toolCallId])), 30_000, 100);
  return url!;
}

function callsOf(handle: Handle): Promise<ToolCallApproval[]> {
  return listToolApprovals(h.client, handle.workflowId);
}

describe('a tool call that needs approval', () => {
  test('waits for a person: the approval binds the tool and its exact arguments, and the tool runs once, after the approval', async () => {
    const { handle, script } = await startAgent([[restart('c1', 'web-1')]]);
    const url = await approvalUrl(handle, 'c1');
    expect(runs.get('restartService:web-1')).toBeUndefined();
    const [report] = await handle.query(approvalsQuery);
    const action = { title: 'restartService({"host":"web-1","service":"nginx"})', details: { tool: 'restartService', arguments: { host: 'web-1', service: 'nginx' } } };
    expect(report).toMatchObject({ status: 'pending', action, actionDigest: actionDigest(action) });

    expect((await postJson(url, { decision: 'approve' })).status).toBe(200);
    expect(await handle.result()).toEqual({ text: 'done', steps: 2 });
    expect(runs.get('restartService:web-1')).toBe(1);
    expect(model.resultsAfter(script, 0)).toEqual({ c1: { restarted: 'nginx@web-1' } });
    const [call] = await callsOf(handle);
    expect(call).toMatchObject({ toolCallId: 'c1', tool: 'restartService', status: 'approved', executed: true, approvalId: report!.callbackId, actionDigest: report!.actionDigest });
    const [decided] = await handle.query(approvalsQuery);
    expect(decided).toMatchObject({ status: 'approved', record: { action, outcome: 'approved' }, receipt: expect.any(String) });
  });

  test('rejected: the tool does not run and the model is told so, why, and with the comment', async () => {
    const { handle, script } = await startAgent([[restart('c1', 'web-2')]]);
    const url = await approvalUrl(handle, 'c1');
    expect((await postJson(url, { decision: 'reject', comment: 'Not during the sale.' })).status).toBe(200);
    await handle.result();
    expect(runs.get('restartService:web-2')).toBeUndefined();
    const refused = model.resultsAfter(script, 0)!.c1 as ToolCallRefused;
    expect(refused).toMatchObject({ approved: false, outcome: 'rejected', comment: 'Not during the sale.', approvalId: expect.any(String) });
    expect(refused.reason).toContain('restartService');
    expect((await callsOf(handle))[0]).toMatchObject({ status: 'rejected', executed: false });
  });

  test('timed out: the tool does not run and the model gets a timed_out result', async () => {
    const { handle, script } = await startAgent([[restart('c1', 'web-3')]], { allowLinkHolders: true, timeout: '2s' });
    await handle.result();
    expect(runs.get('restartService:web-3')).toBeUndefined();
    expect(model.resultsAfter(script, 0)!.c1).toMatchObject({ approved: false, outcome: 'timed_out' });
    expect((await callsOf(handle))[0]).toMatchObject({ status: 'timed_out', executed: false });
  });

  test('parallel calls each get their own approval; a read-only call the policy approves runs without a person and is recorded so', async () => {
    const disk: ScriptedCall = { id: 'd1', tool: 'diskUsage', args: { host: 'db-4' } };
    const { handle, script } = await startAgent([[disk, restart('c1', 'db-4'), restart('c2', 'db-5')]]);
    const [first, second] = [await approvalUrl(handle, 'c1'), await approvalUrl(handle, 'c2')];
    expect(first).not.toBe(second);
    expect(runs.get('diskUsage:db-4')).toBe(1);
    expect((await postJson(second, { decision: 'reject' })).status).toBe(200);
    expect((await postJson(first, { decision: 'approve' })).status).toBe(200);
    await handle.result();
    expect(model.resultsAfter(script, 0)).toEqual({
      d1: { host: 'db-4', usedPercent: 42 },
      c1: { restarted: 'nginx@db-4' },
      c2: expect.objectContaining({ approved: false, outcome: 'rejected' }),
    });
    expect([runs.get('restartService:db-4'), runs.get('restartService:db-5')]).toEqual([1, undefined]);
    // Parallel calls mint and sign with regular activities: their completions are history events,
    // replayed in the order they happened (local activities side by side are not: they resolve
    // in finishing order on the first run, in scheduling order on replay).
    const history = await handle.fetchHistory();
    const scheduled = history.events!.flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(scheduled.filter((name) => name === 'generateCallbackUrl')).toHaveLength(2);
    expect(scheduled.filter((name) => name === 'signApprovalReceipt')).toHaveLength(3);
    expect(history.events!.some((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toBe(false);
    await Worker.runReplayHistory({ workflowsPath: AGENT_WORKFLOWS, plugins: [new AiSdkPlugin({ modelProvider: model.provider })], replayName: 'parallel calls' }, history);
    const calls = await callsOf(handle);
    expect(calls.find((call) => call.toolCallId === 'd1')).toEqual(
      expect.objectContaining({ tool: 'diskUsage', arguments: { host: 'db-4' }, status: 'auto_approved', autoApprovedReason: 'read-only query', executed: true }),
    );
    // The policy's decision has a receipt of its own, and is no approval a person decides.
    const policyCall = calls.find((call) => call.toolCallId === 'd1')!;
    expect(policyCall.receipt).toEqual(expect.any(String));
    expect((await handle.query(approvalsQuery)).map((report) => report.callbackId)).not.toContain(policyCall.approvalId);
    expect((await handle.query(approvalsQuery)).map((report) => report.action.details)).toEqual([
      { tool: 'restartService', arguments: { host: 'db-4', service: 'nginx' } },
      { tool: 'restartService', arguments: { host: 'db-5', service: 'nginx' } },
    ]);
  });

  test('a retry with other arguments is a new action: the first approval does not apply to it', async () => {
    const { handle, script } = await startAgent([[restart('c1', 'web-6')], [restart('c2', 'web-7')]]);
    const first = await approvalUrl(handle, 'c1');
    expect((await postJson(first, { decision: 'reject', comment: 'Wrong host.' })).status).toBe(200);
    const second = await approvalUrl(handle, 'c2');
    expect(second).not.toBe(first);
    // The first call's approval is decided: its URL decides nothing about the retry.
    const late = await postJson(first, { decision: 'approve' });
    expect(late.status).toBeGreaterThanOrEqual(400);
    expect((await errorOf(late)).code).toBe('CALLBACK_ALREADY_COMPLETED');
    const reports = await handle.query(approvalsQuery);
    expect(reports).toHaveLength(2);
    expect(reports[1]!.actionDigest).not.toBe(reports[0]!.actionDigest);
    expect(reports[1]).toMatchObject({ status: 'pending', votes: [] });
    expect((await postJson(second, { decision: 'approve' })).status).toBe(200);
    await handle.result();
    expect([runs.get('restartService:web-6'), runs.get('restartService:web-7')]).toEqual([undefined, 1]);
    expect(model.resultsAfter(script, 1)).toMatchObject({ c1: { outcome: 'rejected' }, c2: { restarted: 'nginx@web-7' } });
  });

  test('a worker that stops while an approval is pending: a new worker resumes the agent, and the tool runs exactly once', async () => {
    const { handle, script } = await startAgent([[restart('c1', 'web-8')]]);
    const url = await approvalUrl(handle, 'c1');
    const vote = () => postJson(url, { decision: 'approve' }, { 'idempotency-key': `vote-${script}` });
    await h.stopWorker();
    try {
      // The workflow counts votes: with no worker the gateway cannot confirm one, and says to retry.
      const unconfirmed = await vote();
      expect([unconfirmed.status, (await errorOf(unconfirmed)).code]).toEqual([503, 'TEMPORAL_UNAVAILABLE']);
    } finally {
      await h.startWorker();
    }
    // The retry, with the same key, is the same vote: applied once.
    expect((await vote()).status).toBe(200);
    await handle.result();
    expect(runs.get('restartService:web-8')).toBe(1);
    expect(model.resultsAfter(script, 0)).toEqual({ c1: { restarted: 'nginx@web-8' } });
  }, 120_000);
});

describe('a call the policy approves', () => {
  const disk = (id: string, host: string): ScriptedCall => ({ id, tool: 'diskUsage', args: { host } });
  const jwks = async (): Promise<JSONWebKeySet> => (await (await fetch(`${h.gatewayUrl}/.well-known/jwks.json`)).json()) as JSONWebKeySet;

  test('is signed as a receipt before the tool runs: decided by policy, with its reason, the rules and the action a person would have seen, and its digest', async () => {
    const { handle } = await startAgent([[disk('d1', 'db-7')]]);
    expect(await handle.result()).toEqual({ text: 'done', steps: 2 });
    expect(runs.get('diskUsage:db-7')).toBe(1);
    const [call] = await callsOf(handle);
    const action = { title: 'diskUsage({"host":"db-7"})', details: { tool: 'diskUsage', arguments: { host: 'db-7' } } };
    expect(call).toMatchObject({ status: 'auto_approved', autoApprovedReason: 'read-only query', executed: true, actionDigest: actionDigest(action), approvalId: expect.any(String), receipt: expect.any(String) });

    // Our verifier, against the gateway's published keys.
    const published = await jwks();
    const verified = await verifyApprovalReceipt(call!.receipt!, published, { issuer: TEST_RECEIPT_ISSUER });
    const record: ApprovalRecord = {
      version: 1,
      namespace: 'default',
      workflowId: handle.workflowId,
      executionChain: (await handle.describe()).runId,
      callbackId: call!.approvalId!,
      action,
      actionDigest: actionDigest(action),
      outcome: 'approved',
      decidedBy: 'policy',
      votes: [],
      rules: { quorum: 1, rejectQuorum: 1, onTimeout: 'timed_out', allowSelfApproval: false, allowLinkHolders: true, requireComment: { approve: false, reject: false } },
      requestedAt: call!.requestedAt,
      decidedAt: call!.requestedAt,
      policy: { reason: 'read-only query' },
    };
    expect(verified.record).toEqual(record);
    expect(verified.kid).toBe(h.receiptKeys.active.kid);

    // jose alone, as an outsider would, with the digest recomputed from the action it shows.
    const { payload, protectedHeader } = await jwtVerify(call!.receipt!, createLocalJWKSet(published), { typ: 'dcb-approval+jwt', algorithms: ['EdDSA', 'ES256'], issuer: TEST_RECEIPT_ISSUER });
    expect(protectedHeader.kid).toBe(h.receiptKeys.active.kid);
    const signed = payload.approval as ApprovalRecord;
    expect(signed).toEqual(record);
    expect(signed.actionDigest).toBe(actionDigest(signed.action));
  });

  test('with signReceipt: false, it runs without a receipt', async () => {
    const { handle } = await startAgent([[disk('d1', 'db-8')]], { ...LINK_HOLDERS, signReceipt: false });
    await handle.result();
    expect(runs.get('diskUsage:db-8')).toBe(1);
    const [call] = await callsOf(handle);
    expect(call).toMatchObject({ status: 'auto_approved', autoApprovedReason: 'read-only query', executed: true });
    expect(call).not.toHaveProperty('receipt');
    expect(call).not.toHaveProperty('approvalId');
  });

  test('durable-callbacks approvals show lists it as decided by policy, and verify prints the policy and its reason', async () => {
    const { handle } = await startAgent([[disk('d1', 'db-10')]]);
    await handle.result();
    const [call] = await callsOf(handle);
    const env = { TEMPORAL_ADDRESS: TEST_TEMPORAL_ADDRESS, GATEWAY_URL: h.gatewayUrl };

    const shown = await runTsx('cli/main.ts', ['approvals', 'show', handle.workflowId], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`Approval ${call!.approvalId}: approved (decided by policy: read-only query at ${call!.requestedAt})`);
    expect(shown.stdout).toContain('None: the policy approved it without asking anyone.');
    expect(shown.stdout).toContain(`Receipt:   ${call!.receipt}`);
    const json = JSON.parse((await runTsx('cli/main.ts', ['approvals', 'show', handle.workflowId, '--json'], env)).stdout) as Array<{ record: ApprovalRecord; receipt: string }>;
    expect(json).toEqual([expect.objectContaining({ callbackId: call!.approvalId, status: 'approved', receipt: call!.receipt, record: expect.objectContaining({ decidedBy: 'policy', policy: { reason: 'read-only query' } }) })]);

    const verified = await runTsx('cli/main.ts', ['approvals', 'verify', call!.receipt!], env);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`Outcome:    approved (decided by policy: read-only query) at ${call!.requestedAt}`);
    expect(verified.stdout).toContain('Votes:      none: the policy approved it without asking anyone.');
    expect(verified.stdout).toContain(call!.actionDigest!);
  });
});

describe('continue-as-new while a call waits', () => {
  test('the next run resumes the pending call with its approval: the same URL decides it, the tool runs once, and the model gets its result', async () => {
    const script = `agent-${randomUUID()}`;
    const handle = await h.start<typeof rollingOpsAgent>('rollingOpsAgent', [{ prompt: ScriptedModel.prompt(script, [[restart('c1', 'web-9')]]), approval: LINK_HOLDERS }]);
    const url = await approvalUrl(handle as unknown as Handle, 'c1');
    const firstRun = (await handle.describe()).runId;
    await handle.signal(rollSignal);
    await pollUntil('the next run', async () => (await handle.describe()).runId !== firstRun, 30_000);
    const next = h.client.workflow.getHandle<typeof rollingOpsAgent>(handle.workflowId);
    expect(await approvalUrl(next as unknown as Handle, 'c1')).toBe(url);
    expect(await callsOf(next as unknown as Handle)).toEqual([expect.objectContaining({ toolCallId: 'c1', status: 'pending', executed: false })]);
    expect((await postJson(url, { decision: 'approve' })).status).toBe(200);
    expect(await next.result()).toEqual({ text: 'done', steps: 1, run: 2 });
    expect(runs.get('restartService:web-9')).toBe(1);
    expect(model.resultsAfter(script, 0)).toEqual({ c1: { restarted: 'nginx@web-9' } });
    expect((await callsOf(next as unknown as Handle))[0]).toMatchObject({ status: 'approved', executed: true });
  });
});

describe('continue-as-new after a call the policy approved', () => {
  test('the next run\'s record keeps the policy\'s receipt, its id and digest', async () => {
    const script = `agent-${randomUUID()}`;
    const steps: ScriptedCall[][] = [[{ id: 'd1', tool: 'diskUsage', args: { host: 'db-11' } }, restart('c1', 'db-11')]];
    const handle = await h.start<typeof rollingOpsAgent>('rollingOpsAgent', [{ prompt: ScriptedModel.prompt(script, steps), approval: LINK_HOLDERS }]);
    const url = await approvalUrl(handle as unknown as Handle, 'c1');
    let signed: ToolCallApproval | undefined;
    await pollUntil('the policy\'s receipt of d1', async () => Boolean((signed = (await callsOf(handle as unknown as Handle)).find((call) => call.toolCallId === 'd1'))?.receipt), 30_000, 100);
    const firstRun = (await handle.describe()).runId;
    await handle.signal(rollSignal);
    await pollUntil('the next run', async () => (await handle.describe()).runId !== firstRun, 30_000);
    const next = h.client.workflow.getHandle<typeof rollingOpsAgent>(handle.workflowId);
    expect((await callsOf(next as unknown as Handle)).find((call) => call.toolCallId === 'd1')).toEqual(signed);
    expect((await postJson(url, { decision: 'approve' })).status).toBe(200);
    await next.result();
    expect(runs.get('diskUsage:db-11')).toBe(1);
  });
});

describe('replaying an agent with a pending approval', () => {
  test('a recorded history of an agent waiting for a person replays unchanged', async () => {
    const { handle } = await startAgent([[{ id: 'd1', tool: 'diskUsage', args: { host: 'db-9' } }, restart('c1', 'db-9')]]);
    await approvalUrl(handle, 'c1');
    await pollUntil('the policy\'s receipt of d1', async () => Boolean((await callsOf(handle)).find((call) => call.toolCallId === 'd1')?.receipt), 30_000, 100);
    const history = await handle.fetchHistory();
    if (process.env.DC_RECORD_REPLAY_FIXTURE) await fs.writeFile(REPLAY_FIXTURE, temporal.api.history.v1.History.encode(history).finish());
    const fixture = await fs.readFile(REPLAY_FIXTURE);
    const recorded = temporal.api.history.v1.History.decode(fixture);
    // The fixture was recorded before a policy's decision was signed: its auto-approved call (d1)
    // ran without the signing activity, as histories of that version did, and replays so.
    expect(fixture.includes('diskUsage')).toBe(true);
    expect(fixture.includes('signApprovalReceipt')).toBe(false);
    const fresh = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    expect([fresh.includes('durable-callbacks/tool-approval/policy-receipt'), fresh.includes('signApprovalReceipt')]).toEqual([true, true]);
    for (const each of [history, recorded]) {
      await Worker.runReplayHistory({ workflowsPath: AGENT_WORKFLOWS, plugins: [new AiSdkPlugin({ modelProvider: model.provider })], replayName: 'agent with a pending approval' }, each);
    }
    await handle.terminate();
  }, 120_000);
});
