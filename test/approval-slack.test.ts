import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySlackRequest } from '@slack/bolt';
import { slackSignatureHeaders } from '../examples/slack-approval/slack-stand-in';
import { approvalsQuery, callbacksQuery } from '../protocol/definitions';
import { loadGatewayConfig } from '../callback-gateway/config';
import { createJsonLogger } from '../callback-gateway/logger';
import { startGateway } from '../callback-gateway/server';
import { testGatewayEnv } from './support/test-env';
import { slackApprovalBlocks, type RequestApprovalOptions } from '../workflows';
import { startHarness, errorOf, type Harness } from './support/harness';
import { startWaiting } from './support/tokens';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import { pollUntil } from './support/async';
import type { auditedApproval, reissuingApproval } from './workflows';
import { reissueSignal } from './workflows/reissue';

// Approving from Slack, nothing mocked but Slack itself: requestApproval in a workflow on a real
// worker, the real gateway on a real port, the tests' Temporal dev server, and a stand-in Slack
// that signs interactive requests exactly as Slack does (checked below with @slack/bolt's own
// verifySlackRequest) and records what the gateway posts to each click's response_url on a real
// local HTTP server.

const SIGNING_SECRET = 'slack-approvals-test-signing-secret';
const ACTION = { title: 'Rotate the prod-db-eu root credentials', summary: 'Scheduled rotation, CHG-3101.' };
const OPTIONS: RequestApprovalOptions = {
  action: ACTION,
  approvers: [
    { slackUserId: 'U1', slackTeamId: 'T1' },
    { slackUserId: 'U2', slackTeamId: 'T1' },
    // The requester is on the list too, so what refuses their approval is the self-approval rule (eligibility is judged first).
    { slackUserId: 'U9', slackTeamId: 'T1' },
  ],
  quorum: 2,
  initiator: { slackUserId: 'U9' },
};

/** What the gateway posted to one response_url. */
interface Posted {
  path: string;
  body: { replace_original?: boolean; response_type?: string; text?: string; blocks?: Array<{ type: string; text?: { text: string } }> };
}

let h: Harness;
let responses: Server;
let responseOrigin: string;
const posted: Posted[] = [];

beforeAll(async () => {
  responses = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      posted.push({ path: request.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Posted['body'] });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => responses.listen(0, '127.0.0.1', resolve));
  responseOrigin = `http://127.0.0.1:${(responses.address() as AddressInfo).port}`;
  h = await startHarness({ slack: { signingSecrets: [new Uint8Array(Buffer.from(SIGNING_SECRET))], teamIds: ['T1'], responseUrlOrigins: [responseOrigin] } });
}, 60_000);
afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => responses?.close(resolve));
});

let clicks = 0;

/** The form Slack posts for a click on `value` by `user` in `team`, with a response_url on the stand-in. */
function clickBody(value: string, user: string, team: string, blocks: unknown[]): { body: string; responsePath: string } {
  clicks += 1;
  const responsePath = `/actions/${team}/${clicks}/secret-response-path-${clicks}`;
  const payload = {
    type: 'block_actions',
    team: { id: team, domain: 'acme' },
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: team },
    api_app_id: 'A1',
    trigger_id: `${clicks}.trigger`,
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C1' },
    channel: { id: 'C1', name: 'change-board' },
    message: { ts: '1700000000.000100', text: ACTION.title, blocks },
    response_url: `${responseOrigin}${responsePath}`,
    actions: [{ type: 'button', action_id: 'durable_callbacks_approve', block_id: 'b', value, action_ts: String(Date.now() / 1000) }],
  };
  return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), responsePath };
}

/** Posts a click as Slack would; returns the gateway's answer and the click's response_url path. */
async function send(value: string, user: string, options: { team?: string; blocks?: unknown[]; secret?: string; timestamp?: number } = {}) {
  const { body, responsePath } = clickBody(value, user, options.team ?? 'T1', options.blocks ?? []);
  const headers = slackSignatureHeaders(options.secret ?? SIGNING_SECRET, body, options.timestamp);
  const response = await fetch(`${h.gatewayUrl}/approvals/slack`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
  return { response, responsePath };
}

/** Clicks as Slack would; returns the gateway's answer and what it then posted to the click's response_url. */
async function click(value: string, user: string, options: { blocks?: unknown[] } = {}): Promise<{ response: Response; answer: Posted }> {
  const { response, responsePath } = await send(value, user, options);
  const deadline = Date.now() + 15_000;
  let answer: Posted | undefined;
  while (!(answer = posted.find((post) => post.path === responsePath)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!answer) throw new Error(`nothing was posted to ${responsePath}`);
  return { response, answer };
}

test("the stand-in signs as Slack does: @slack/bolt's verifySlackRequest accepts it", () => {
  const { body } = clickBody('approve|x', 'U1', 'T1', []);
  const headers = slackSignatureHeaders(SIGNING_SECRET, body);
  expect(() =>
    verifySlackRequest({
      signingSecret: SIGNING_SECRET,
      body,
      headers: { 'x-slack-signature': headers['x-slack-signature']!, 'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']) },
    }),
  ).not.toThrow();
});

test('two Slack approvers decide from the buttons; an outsider, the requester and another workspace cannot; a re-click counts once', async () => {
  const handle = await h.start<typeof auditedApproval>('auditedApproval', [OPTIONS]);
  const url = await waitForCallbackUrl(handle);
  const blocks = slackApprovalBlocks({ url, action: ACTION });
  const buttons = blocks.find((block) => block.type === 'actions')!.elements as Array<{ value: string }>;
  const [approve, reject] = buttons.map((button) => button.value);
  expect(approve).toBe(`approve|${url.split('/').pop()}`);
  expect(reject).toBe(`reject|${url.split('/').pop()}`);
  const votes = async () => (await handle.query(approvalsQuery))[0]!.votes;

  // Refused before anything is read further: forged, stale, another workspace. Nothing posted, nothing recorded.
  const forged = await send(approve!, 'U1', { secret: 'not-the-secret' });
  expect(forged.response.status).toBe(401);
  expect((await errorOf(forged.response)).code).toBe('WEBHOOK_SIGNATURE_INVALID');
  const stale = await send(approve!, 'U1', { timestamp: Math.floor(Date.now() / 1000) - 600 });
  expect(stale.response.status).toBe(401);
  expect((await errorOf(stale.response)).code).toBe('WEBHOOK_TIMESTAMP_STALE');
  const partner = await send(approve!, 'U1', { team: 'T2' });
  expect(partner.response.status).toBe(403);
  expect((await errorOf(partner.response)).code).toBe('SLACK_WORKSPACE_NOT_ALLOWED');
  expect(await votes()).toEqual([]);

  // Not on the list, and the requester approving their own request: answered 200, told why in an ephemeral message, nothing recorded.
  const outsider = await click(approve!, 'U3', { blocks });
  expect(outsider.response.status).toBe(200);
  expect(await outsider.response.text()).toBe('');
  expect(outsider.answer.body).toMatchObject({ response_type: 'ephemeral', text: 'You are not an approver of this request; nothing was recorded.' });
  const requester = await click(approve!, 'U9', { blocks });
  expect(requester.answer.body).toMatchObject({ response_type: 'ephemeral' });
  expect(requester.answer.body.text).toContain('you cannot approve it yourself');
  expect(await votes()).toEqual([]);

  // U1 approves: counted, the message replaced with the tally (buttons kept); again: counted once.
  const first = await click(approve!, 'U1', { blocks });
  expect(first.response.status).toBe(200);
  expect(first.answer.body).toMatchObject({ replace_original: true, text: '1 of 2 approvals: <@U1> approved.' });
  expect(first.answer.body.blocks!.some((block) => block.type === 'actions')).toBe(true);
  const again = await click(approve!, 'U1', { blocks });
  expect(again.answer.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('already counted') });
  expect(await votes()).toHaveLength(1);

  // U2 approves: decided, the message shows the outcome and its buttons are gone.
  const second = await click(approve!, 'U2', { blocks });
  expect(second.answer.body.replace_original).toBe(true);
  expect(second.answer.body.text).toMatch(/^\*Approved by <@U2>\* at \d\d:\d\d UTC \(2 of 2 approvals, 0 of 1 rejections\)\.$/);
  expect(second.answer.body.blocks!.some((block) => block.type === 'actions')).toBe(false);
  expect(second.answer.body.blocks![0]!.text!.text).toContain(ACTION.title);

  const result = await handle.result();
  expect(result.outcome).toBe('approved');
  expect(result.votes.map((vote) => [vote.approver.via, vote.approver.issuer, vote.approver.subject, vote.approver.name, vote.approver.email, vote.decision])).toEqual([
    ['slack', 'https://slack.com/T1', 'U1', 'u1', undefined, 'approve'],
    ['slack', 'https://slack.com/T1', 'U2', 'u2', undefined, 'approve'],
  ]);
  expect(result.votes[0]!.deliveryId).toMatch(/^slack:T1:U1:.+:approve$/);

  // After the decision: a late click is told so, privately.
  const late = await click(reject!, 'U1', { blocks });
  expect(late.answer.body).toMatchObject({ response_type: 'ephemeral' });

  // Neither the signing secret nor a response_url's path reaches the logs.
  const logs = h.logLines.join('\n');
  expect(logs).not.toContain(SIGNING_SECRET);
  expect(logs).not.toContain('secret-response-path');
}, 90_000);

test("a reissued approval's old buttons are refused privately as replaced; the vote cast through them before still counts, and the new buttons decide", async () => {
  const handle = await h.start<typeof reissuingApproval>('reissuingApproval', [{ ...OPTIONS, signReceipt: false }]);
  const oldUrl = await waitForCallbackUrl(handle);
  const valueOf = (url: string) => `approve|${url.split('/').pop()}`;
  expect((await click(valueOf(oldUrl), 'U1')).answer.body).toMatchObject({ replace_original: true, text: '1 of 2 approvals: <@U1> approved.' });

  await handle.signal(reissueSignal);
  let newUrl = oldUrl;
  await pollUntil('the approval was reissued', async () => (newUrl = await waitForCallbackUrl(handle)) !== oldUrl, 15_000, 100);
  const replaced = await click(valueOf(oldUrl), 'U2');
  expect(replaced.answer.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('replaced by a newer one') });
  expect((await handle.query(approvalsQuery))[0]!.votes).toHaveLength(1);

  const decided = await click(valueOf(newUrl), 'U2');
  expect(decided.answer.body.replace_original).toBe(true);
  expect((await handle.result()).votes.map((vote) => vote.approver.subject)).toEqual(['U1', 'U2']);
}, 60_000);

test('a response_url on any other host is never posted to (no SSRF), and the click is still answered 200', async () => {
  const handle = await h.start<typeof auditedApproval>('auditedApproval', [OPTIONS]);
  const url = await waitForCallbackUrl(handle);
  const value = `approve|${url.split('/').pop()}`;
  const payload = {
    type: 'block_actions',
    team: { id: 'T1' },
    user: { id: 'U3', team_id: 'T1' },
    response_url: 'http://169.254.169.254/latest/meta-data/secret-response-path',
    actions: [{ type: 'button', value }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const before = posted.length;
  const response = await fetch(`${h.gatewayUrl}/approvals/slack`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignatureHeaders(SIGNING_SECRET, body) }, body });
  expect(response.status).toBe(200);
  const deadline = Date.now() + 10_000;
  while (!h.logLines.some((line) => line.includes('response_url refused')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(h.logLines.some((line) => line.includes('response_url refused') && line.includes('http://169.254.169.254/…'))).toBe(true);
  expect(posted.length).toBe(before);
  await handle.terminate();
}, 30_000);

test('a click on the card of a workflow that ended without a word (terminated) is answered so, privately, and records nothing', async () => {
  const handle = await h.start<typeof auditedApproval>('auditedApproval', [OPTIONS]);
  const url = await waitForCallbackUrl(handle);
  await handle.terminate('withdrawn by the operator');
  const late = await click(`approve|${url.split('/').pop()}`, 'U1');
  expect(late.response.status).toBe(200);
  expect(late.answer.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('already finished') });
}, 30_000);

test("a button for a callback that is no approval, or for an approval asking a fresh sign-in, is refused privately and delivers nothing", async () => {
  const plain = await startWaiting(h);
  const notApproval = await click(`approve|${plain.token}`, 'U1');
  expect(notApproval.response.status).toBe(200);
  expect(notApproval.answer.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('not for an approval') });
  expect((await plain.handle.query(callbacksQuery))[0]!.deliveries).toBe(0);
  await plain.handle.terminate();

  const fresh = await h.start<typeof auditedApproval>('auditedApproval', [{ ...OPTIONS, maxSignInAge: '5m' }]);
  const url = await waitForCallbackUrl(fresh);
  const stale = await click(`approve|${url.split('/').pop()}`, 'U1');
  expect(stale.answer.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('a Slack click cannot prove') });
  expect((await fresh.query(approvalsQuery))[0]!.votes).toEqual([]);
  await fresh.terminate();

  const garbage = await click('approve|not a token', 'U1');
  expect(garbage.answer.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining("not a durable-callbacks approval's") });
}, 30_000);

test('the gateway started from the environment with SLACK_SIGNING_SECRET: the startup line names the route and the workspaces, never the secret', async () => {
  const lines: string[] = [];
  const secret = randomBytes(16).toString('hex');
  const started = await startGateway(
    loadGatewayConfig(testGatewayEnv({ SLACK_SIGNING_SECRET: secret, SLACK_TEAM_IDS: 'T1ABC,T2DEF' })),
    createJsonLogger({ write: (line: string) => lines.push(line) }),
  );
  try {
    const body = 'payload=%7B%7D';
    const forged = await fetch(`${started.url}/approvals/slack`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignatureHeaders('wrong', body) }, body });
    expect(forged.status).toBe(401);
  } finally {
    await started.close();
  }
  expect(JSON.parse(lines.find((line) => line.includes('approving from Slack'))!)).toMatchObject({ teams: ['T1ABC', 'T2DEF'] });
  expect(lines.join('\n')).not.toContain(secret);
});
