import { createRemoteJWKSet } from 'jose';
import { startWithCallbackUrl, verifyApprovalReceipt } from '../../client';
import type { ParsedMail } from 'mailparser';
import type { InboxEntry } from '../../callback-gateway/inbox/list-inbox';
import { startMailServer, type TestMailServer } from '../../test/support/mail-server';
import { hiddenField, signInAs, signInToInbox, TestBrowser } from '../../test/support/oidc';
import { connectDemo, DemoError, print, resultOf, runDemo, runWorkerUntilCleanup, webhookSecretOf, type DemoRun } from '../demo-support';
import { slackSignatureHeaders, startSlackWebApi, type SlackWebApiStandIn } from '../slack-approval/slack-stand-in';
import { DEMO_SLACK_PORT, DEMO_SLACK_TEAM } from '../../tools/scripts/demo-webhook-sources';
import { createItChangeWorker, IT_CHANGE_TASK_QUEUE } from './worker';
import type { ChangeDecision, ChangeRequest, productionChange } from './workflows';

/**
 * `npm run demo -- approval`: the production change example end to end against `npm start`
 * (its gateway, Temporal, and the development sign-in provider with demo users). The workflow
 * asks the change board for two distinct approvals, not the requester's. The demo then plays the
 * people, each in their own scripted browser that signs in at the provider as a person would:
 * the board's mail arrives (a mail server the demo runs), nobody answers so a reminder follows
 * and then an escalation to one more person, each on a durable timer; the requester tries to
 * approve their own change, someone outside the board tries, one board member approves from her
 * inbox (and again through the link: counted once), a second approves from Slack (a stand-in
 * Slack signs the click as Slack does; a click from another workspace is refused). Then it
 * verifies the decision's receipt against the gateway's published keys, as anyone could.
 */

const REQUEST: ChangeRequest = {
  system: 'prod-db-eu',
  change: 'Grant contractor c-4411 read-only access until 2027-01-15',
  reason: 'The contractor runs the data migration in the January window (CHG-2207).',
  ticket: 'CHG-2207',
  requester: 'carol@example.com',
  approverGroup: 'change-board',
  timeout: '10 minutes',
  slack: { channel: 'C0CHANGES', teamId: DEMO_SLACK_TEAM, approvers: ['U0ERIN'] },
  mailTo: ['change-board@example.com'],
  remind: ['5 seconds'],
  escalate: { after: '10 seconds', to: 'bob@example.com' },
};

/** Waits for the first mail to `to` whose subject starts with `prefix`, and prints it. */
async function printMail(mail: TestMailServer, to: string, prefix: string): Promise<ParsedMail> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = mail.mails.find((each) => each.subject?.startsWith(prefix) && JSON.stringify(each.to).includes(to));
    if (found) {
      print(`  mail to ${to}: "${found.subject}"`);
      return found;
    }
    if (Date.now() > deadline) throw new DemoError(`No mail "${prefix}…" reached ${to} in 30 s: is the worker's mail setting right?`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Signs `login` in at the gateway's inbox and returns the browser and what the inbox lists for `workflowId`. */
async function openInbox(gatewayUrl: string, login: string, workflowId: string): Promise<{ browser: TestBrowser; entry?: InboxEntry & { csrf: string } }> {
  const browser = new TestBrowser();
  await signInToInbox(browser, gatewayUrl, login);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const inbox = (await (await browser.request(`${gatewayUrl}/inbox`, { headers: { accept: 'application/json' } })).json()) as { approvals: Array<InboxEntry & { csrf: string }> };
    const entry = inbox.approvals.find((each) => each.workflowId === workflowId);
    // The inbox finds approvals through Temporal's visibility, which lags a moment behind.
    if (entry) return { browser, entry };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { browser };
}

/** One person at a browser, signed in at the provider. */
interface Person {
  login: string;
  browser: TestBrowser;
  csrf: string;
  actionDigest: string;
}

async function signIn(url: string, login: string): Promise<Person> {
  const browser = new TestBrowser();
  let page: string;
  try {
    const back = await signInAs(browser, url, login);
    page = (await back.response?.text()) ?? '';
  } catch (err) {
    throw new DemoError(
      `Could not sign in as ${login} at the development provider (${(err as Error).message}). Is \`npm start\` running with its sign-in provider (it says "approvals sign-in" in its banner)?`,
    );
  }
  const csrf = hiddenField(page, 'csrf');
  const actionDigest = hiddenField(page, 'actionDigest');
  if (!csrf || !actionDigest) throw new DemoError(`The approval page did not offer ${login} the decision after signing in.`);
  return { login, browser, csrf, actionDigest };
}

/** Submits a decision as the page's form does (answered in JSON, so the demo can show the code). */
async function decide(url: string, person: Person, decision: 'approve' | 'reject', comment?: string): Promise<void> {
  const response = await person.browser.postForm(
    url,
    { decision, ...(comment ? { comment } : {}), csrf: person.csrf, actionDigest: person.actionDigest },
    { accept: 'application/json' },
  );
  const body = (await response.json()) as { error?: { code: string; message: string }; reply?: { approvals: number; quorum: number; outcome?: string }; status?: string };
  if (body.error) return print(`  ${person.login}: ${response.status} ${body.error.code}: ${body.error.message}`);
  const reply = body.reply;
  print(`  ${person.login}: ${response.status} ${body.status ?? ''}: ${reply ? `${reply.approvals} of ${reply.quorum} approvals${reply.outcome ? `, ${reply.outcome}` : ''}` : JSON.stringify(body)}`);
}

/** Clicks `decision` on the approval's Slack message as `user` of `team`, signed as Slack signs; returns the gateway's status. */
async function clickInSlack(gatewayUrl: string, slack: SlackWebApiStandIn, secret: string, click: { user: string; team: string; decision: 'approve' | 'reject' }): Promise<number> {
  const message = slack.messages.at(-1);
  const button = message?.buttons.find((each) => each.value.startsWith(`${click.decision}|`));
  if (!message || !button) throw new DemoError('The workflow did not post the approval to the stand-in Slack.');
  const payload = {
    type: 'block_actions',
    team: { id: click.team, domain: 'demo' },
    user: { id: click.user, username: click.user.toLowerCase(), name: click.user.toLowerCase(), team_id: click.team },
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel },
    response_url: `${slack.origin}/response/${slack.responses.length + 1}`,
    actions: [{ type: 'button', action_id: button.actionId, block_id: 'decision', value: button.value, action_ts: String(Date.now() / 1000) }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const response = await fetch(`${gatewayUrl}/approvals/slack`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignatureHeaders(secret, body) }, body });
  await response.body?.cancel();
  return response.status;
}

/** Waits (up to 10 s) for the gateway's answer to the latest click at the stand-in's response URL, and prints it. */
async function printSlackAnswer(slack: SlackWebApiStandIn, before: number): Promise<void> {
  for (let waited = 0; waited < 10_000 && slack.responses.length === before; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  const answer = slack.responses.at(-1);
  print(answer && slack.responses.length > before ? `  Slack shows (${answer.body.response_type === 'ephemeral' ? 'to the clicker only' : 'in the message'}): ${answer.body.text}` : '  Slack got no answer in 10 s');
}

async function approvalDemo(run: DemoRun): Promise<number> {
  const context = await connectDemo(run, 'approval');
  print(`starting the example's worker on task queue '${IT_CHANGE_TASK_QUEUE}' (bundling its workflow takes a few seconds)`);
  let slack: SlackWebApiStandIn;
  try {
    slack = await startSlackWebApi({ port: DEMO_SLACK_PORT });
  } catch {
    throw new DemoError(`Port ${DEMO_SLACK_PORT} is taken, so the demo cannot run its stand-in Slack there (npm start's gateway expects it there). Free it and run the demo again.`);
  }
  run.cleanups.push(() => slack.close());
  const mail = await startMailServer();
  run.cleanups.push(() => mail.close());
  const slackSecret = await webhookSecretOf('slack');
  const worker = await createItChangeWorker({
    connection: context.workerConnection,
    namespace: context.temporal.namespace,
    log: (line) => print(`change system: ${line}`),
    slack: { apiUrl: slack.url, token: 'xoxb-demo' },
    mail: { smtpUrl: mail.url, from: 'Change board <approvals@example.com>' },
  });
  runWorkerUntilCleanup(run, worker);

  const workflowId = `it-change-demo-${Date.now()}`;
  const { handle, url } = await startWithCallbackUrl<typeof productionChange>(context.client, 'productionChange', {
    taskQueue: IT_CHANGE_TASK_QUEUE,
    workflowId,
    args: [REQUEST],
    label: 'approval',
  });
  run.workflowId = workflowId;
  print(`workflow started: productionChange, id ${workflowId}; it asks the change board for 2 distinct approvals, not the requester's`);
  print(`approval page: ${url}`);
  print(`  (open it in a browser and sign in as dana or erin, any password, to decide yourself, or open ${context.gatewayUrl}/inbox; the demo goes on by itself)`);

  print(`the worker mails the board (a mail server the demo runs on ${mail.url}):`);
  const requestMail = await printMail(mail, 'change-board@example.com', 'Approval needed');
  print(`  its link is the approval page: ${requestMail.text?.includes(url) ? 'yes' : 'NO'} (opening it never decides anything)`);
  print(`nobody decides for ${REQUEST.remind![0]}: a reminder (a durable timer in the workflow)`);
  await printMail(mail, 'change-board@example.com', 'Reminder');
  print(`still nobody after ${REQUEST.escalate!.after}: escalated to ${REQUEST.escalate!.to}, who may decide from now on`);
  await printMail(mail, REQUEST.escalate!.to, 'Escalated');

  print('carol asked for the change; she signs in and tries to approve it herself:');
  await decide(url, await signIn(url, 'carol'), 'approve');
  print('mallory is not on the change board (and her email is unverified); she tries:');
  await decide(url, await signIn(url, 'mallory'), 'approve');
  print(`dana, on the change board, signs in to her inbox (${context.gatewayUrl}/inbox): every open approval she may decide`);
  const inbox = await openInbox(context.gatewayUrl, 'dana', workflowId);
  if (!inbox.entry) throw new DemoError("dana's inbox did not list the request: is npm start's Temporal registering DurableCallbacksApprovers (its startup says so)?");
  print(`  listed: "${inbox.entry.action.title}", asked by ${inbox.entry.initiator?.email ?? 'someone'} at ${inbox.entry.requestedAt}, deadline ${inbox.entry.deadline ?? 'none'}`);
  print('  she approves from the inbox:');
  const fromInbox = await inbox.browser.postForm(
    `${context.gatewayUrl}/inbox/${encodeURIComponent(workflowId)}/${encodeURIComponent(inbox.entry.callbackId)}`,
    { csrf: inbox.entry.csrf, decision: 'approve', comment: 'Scoped and time-boxed; fine.', actionDigest: inbox.entry.actionDigest, executionChain: inbox.entry.executionChain },
    { accept: 'application/json' },
  );
  const inboxAnswer = (await fromInbox.json()) as { status?: string; reply?: { approvals: number; quorum: number } };
  print(`  dana: ${fromInbox.status} ${inboxAnswer.status ?? ''}: ${inboxAnswer.reply ? `${inboxAnswer.reply.approvals} of ${inboxAnswer.reply.quorum} approvals` : JSON.stringify(inboxAnswer)}`);
  print('dana approves again, through the link in another browser: she is still one person:');
  await decide(url, await signIn(url, 'dana'), 'approve');
  print(`the request is in Slack too (channel ${REQUEST.slack!.channel}); a member of a partner workspace sharing the channel clicks Approve:`);
  print(`  gateway answered ${await clickInSlack(context.gatewayUrl, slack, slackSecret, { user: 'U0PARTNER', team: 'T0PARTNER', decision: 'approve' })} (SLACK_WORKSPACE_NOT_ALLOWED: nothing recorded)`);
  print('erin (U0ERIN) approves in Slack:');
  const before = slack.responses.length;
  print(`  gateway answered ${await clickInSlack(context.gatewayUrl, slack, slackSecret, { user: 'U0ERIN', team: DEMO_SLACK_TEAM, decision: 'approve' })}`);
  await printSlackAnswer(slack, before);

  const result = await resultOf<ChangeDecision>(handle, 'approval');
  print(`workflow completed: ${result.outcome}${result.applied ? ', change applied' : ', change not applied'}`);
  for (const report of result.notifications) {
    const what = report.channel === 'slack' ? `Slack card in ${report.target}` : `${report.kind} ${report.channel} to ${report.target}`;
    const withdrawn = report.channel === 'slack' ? ', rewritten with the outcome, no buttons left' : ', its link now shows the outcome';
    print(`  ${what}: ${report.sent ? `sent${report.ts ? ` (ts ${report.ts})` : ''}` : `not sent (${report.error?.type})`}${report.withdrawn ? withdrawn : ''}`);
  }
  for (const vote of result.votes) {
    const who = `${vote.approver.name ?? vote.approver.subject}${vote.approver.email ? ` <${vote.approver.email}>` : ''}`;
    console.log(`    ${vote.decision} by ${who} via ${vote.approver.via} (${vote.approver.issuer}, ${vote.approver.subject}) at ${vote.at}${vote.comment ? `: "${vote.comment}"` : ''}`);
  }
  if (!result.receipt) {
    print('no receipt was signed');
    return 1;
  }
  const keys = createRemoteJWKSet(new URL('/.well-known/jwks.json', context.gatewayUrl));
  const verified = await verifyApprovalReceipt(result.receipt, keys);
  print(`receipt verified against ${context.gatewayUrl}/.well-known/jwks.json (key ${verified.kid}): ${verified.record.outcome}, action digest ${verified.record.actionDigest}`);
  print(`check it yourself: npx tsx cli/main.ts approvals verify ${result.receipt.slice(0, 24)}… (the whole receipt), or: npx tsx cli/main.ts approvals show ${workflowId}`);
  return result.outcome === 'approved' && result.applied ? 0 : 1;
}

runDemo(approvalDemo);
