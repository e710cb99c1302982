import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { verifySlackRequest } from '@slack/bolt';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { clickButton, slackSignatureHeaders } from '../examples/slack-approval/slack-stand-in';
import { webhookMailboxId } from '../protocol/webhook-ids';
import { callbacksQuery, webhookMailboxQuery, webhookUnsubscribeSignal } from '../protocol/definitions';
import type { CallbackWaitResult, WebhookWaitOptions } from '../workflows';
import { errorOf, type Harness } from './support/harness';
import { deliverSignals as deliverSignalsOf, received, signalNames as signalNamesOf, startWebhookHarness, startWebhookWaiter } from './support/webhook-harness';
import { WORKFLOW_BUNDLE_PATH } from './support/test-env';
import { GITHUB_SECRET, SLACK_SECRET, STANDARD_SECRET, STRIPE_SECRET, sendGitHub, sendStandard, sendStripe } from './support/webhook-senders';
import { releaseSignal, subscribedQuery, type WebhookWaitInput, type WebhookWaitThenHoldInput } from './workflows';

/**
 * The history (binary protobuf, `temporal.api.history.v1.History`) of a `once` wait its mailbox
 * served, recorded while such a wait still sent an unsubscription: the workflow code must replay
 * it unchanged. Regenerate with `DC_RECORD_REPLAY_FIXTURE=1` only on purpose.
 */
const REPLAY_FIXTURE = path.join(__dirname, 'fixtures', 'histories', 'once-wait-served-with-unsubscribe.binpb');

/** Mailboxes in this file hold events for five seconds, so the tests can watch them clean up. */
const HOLD_MS = 5_000;

const SOURCES = {
  github: { provider: 'github', secretEnv: 'TEST_GITHUB_WEBHOOK_SECRET', events: { pull_request: { key: '{/repository/full_name}#{/pull_request/number}' } } },
  'github-other': { provider: 'github', secret: GITHUB_SECRET, events: { pull_request: { key: '{/repository/full_name}#{/pull_request/number}' } } },
  stripe: { provider: 'stripe', secret: STRIPE_SECRET, events: { 'invoice.paid': { key: '{/data/object/id}' } } },
  slack: { provider: 'slack', secretEnv: 'TEST_SLACK_SIGNING_SECRET', events: { block_actions: { key: '{/actions/0/value}' } } },
  standard: { provider: 'standard-webhooks', secret: STANDARD_SECRET, events: { '*': { key: '{/data/id}' } } },
};

let h: Harness;
beforeAll(async () => {
  h = await startWebhookHarness(SOURCES, { webhookHoldMs: HOLD_MS, env: { TEST_GITHUB_WEBHOOK_SECRET: GITHUB_SECRET, TEST_SLACK_SIGNING_SECRET: SLACK_SECRET } });
});
afterAll(async () => {
  await h?.close();
});

const url = (source: string) => `${h.gatewayUrl}/webhooks/${source}`;
const unique = () => randomUUID().slice(0, 8);
const pullRequest = (repo: string, number: number, action = 'opened') => ({ action, repository: { full_name: repo }, pull_request: { number } });
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const waiter = (input: WebhookWaitInput) => startWebhookWaiter(h, input);

const signalNames = (workflowId: string) => signalNamesOf(h, workflowId);
const deliverSignals = (handle: WorkflowHandle) => deliverSignalsOf(h, handle);

async function mailboxStatus(source: string, key: string): Promise<string> {
  try {
    return (await h.client.workflow.getHandle(webhookMailboxId(source, key)).describe()).status.name;
  } catch {
    return 'NONE';
  }
}

/** What the mailbox of (source, key) holds and serves, via its query. */
function mailboxView(source: string, key: string) {
  return h.client.workflow.getHandle(webhookMailboxId(source, key)).query(webhookMailboxQuery);
}

describe('GitHub webhooks (signed with @octokit/webhooks-methods)', () => {
  test('a signed pull_request event resumes the wait for its repository#number, with the event and its match', async () => {
    const repo = `octo/widgets-${unique()}`;
    const handle = await waiter({ source: 'github', event: 'pull_request', key: `${repo}#42` });
    const response = await sendGitHub(url('github'), { event: 'pull_request', deliveryId: `gh-${unique()}`, body: pullRequest(repo, 42) });
    expect(response.status).toBe(202);
    const answer = (await response.json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ status: 'accepted', source: 'github', event: 'pull_request', key: `${repo}#42` });
    const result = await received(handle);
    expect(result).toMatchObject({ deliveryId: answer.deliveryId, data: pullRequest(repo, 42), webhook: { source: 'github', event: 'pull_request', key: `${repo}#42` } });
  });

  test('a tampered body, a wrong secret and a missing signature are refused 401 and never reach Temporal', async () => {
    const repo = `octo/tamper-${unique()}`;
    const tampered = await sendGitHub(url('github'), { event: 'pull_request', deliveryId: 'x', body: pullRequest(repo, 1), tamper: true });
    const wrongSecret = await sendGitHub(url('github'), { event: 'pull_request', deliveryId: 'x', body: pullRequest(repo, 1), secret: 'not-the-secret' });
    const unsigned = await fetch(url('github'), { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'x' }, body: JSON.stringify(pullRequest(repo, 1)) });
    for (const response of [tampered, wrongSecret, unsigned]) {
      expect(response.status).toBe(401);
      expect((await errorOf(response)).code).toBe('WEBHOOK_SIGNATURE_INVALID');
    }
    expect(await mailboxStatus('github', `${repo}#1`)).toBe('NONE');
  });

  test('a delivery the provider retries five times resumes the wait once, with one signal', async () => {
    const repo = `octo/retry-${unique()}`;
    const handle = await waiter({ source: 'github', key: `${repo}#5` });
    const deliveryId = `gh-${unique()}`;
    for (let attempt = 0; attempt < 5; attempt++) {
      const response = await sendGitHub(url('github'), { event: 'pull_request', deliveryId, body: pullRequest(repo, 5) });
      expect(response.status).toBe(202);
    }
    const result = await received(handle);
    expect(result.deliveries).toHaveLength(1);
    expect(await deliverSignals(handle)).toBe(1);
  });

  test('an event type without a key rule, and a key that does not resolve, are answered 202 ignored', async () => {
    const push = await sendGitHub(url('github'), { event: 'push', deliveryId: `gh-${unique()}`, body: { ref: 'refs/heads/main' } });
    expect(push.status).toBe(202);
    expect(await push.json()).toMatchObject({ status: 'ignored', event: 'push' });
    const noNumber = await sendGitHub(url('github'), { event: 'pull_request', deliveryId: `gh-${unique()}`, body: { repository: { full_name: 'octo/x' } } });
    expect(await noNumber.json()).toMatchObject({ status: 'ignored', event: 'pull_request' });
  });
});

describe('Stripe webhooks (signed with stripe.webhooks.generateTestHeaderString)', () => {
  const invoice = (id: string, eventId = `evt_${unique()}`) => ({ id: eventId, type: 'invoice.paid', data: { object: { id, object: 'invoice' } } });

  test('a signed invoice.paid resumes the wait for its invoice id; a replay is applied once', async () => {
    const invoiceId = `in_${unique()}`;
    const handle = await waiter({ source: 'stripe', event: 'invoice.paid', key: invoiceId });
    const event = invoice(invoiceId);
    expect((await sendStripe(url('stripe'), { event })).status).toBe(202);
    expect((await sendStripe(url('stripe'), { event })).status).toBe(202);
    const result = await received(handle);
    expect(result).toMatchObject({ deliveryId: event.id, data: event });
    expect(await deliverSignals(handle)).toBe(1);
  });

  test('a tampered body is 401 WEBHOOK_SIGNATURE_INVALID; a stale timestamp 401 WEBHOOK_TIMESTAMP_STALE', async () => {
    const tampered = await sendStripe(url('stripe'), { event: invoice(`in_${unique()}`), tamper: true });
    expect(tampered.status).toBe(401);
    expect((await errorOf(tampered)).code).toBe('WEBHOOK_SIGNATURE_INVALID');
    const stale = await sendStripe(url('stripe'), { event: invoice(`in_${unique()}`), timestamp: nowSeconds() - 600 });
    expect(stale.status).toBe(401);
    expect((await errorOf(stale)).code).toBe('WEBHOOK_TIMESTAMP_STALE');
  });
});

describe('Slack interactivity (a stand-in sender that signs like Slack)', () => {
  test("@slack/bolt's verifySlackRequest accepts the stand-in's signature", () => {
    const body = 'payload=%7B%7D';
    const headers = slackSignatureHeaders(SLACK_SECRET, body);
    expect(() =>
      verifySlackRequest({
        signingSecret: SLACK_SECRET,
        body,
        headers: { 'x-slack-signature': headers['x-slack-signature']!, 'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']) },
      }),
    ).not.toThrow();
  });

  test('a button click is answered 200 with an empty body and resumes the wait keyed by its value', async () => {
    const value = `approve:${unique()}`;
    const handle = await waiter({ source: 'slack', event: 'block_actions', key: value });
    const click = { actionId: 'approve', value, user: 'U123', messageTs: '1700000000.000100' };
    const response = await clickButton(url('slack'), SLACK_SECRET, click);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    const result = await received(handle);
    expect(result.data).toMatchObject({ type: 'block_actions', user: { id: 'U123' }, actions: [{ value }] });
  });

  test('a wrong secret is 401 WEBHOOK_SIGNATURE_INVALID; a stale timestamp 401 WEBHOOK_TIMESTAMP_STALE', async () => {
    const click = { actionId: 'approve', value: `v-${unique()}`, user: 'U1', messageTs: '1.2' };
    const forged = await clickButton(url('slack'), 'not-the-secret', click);
    expect(forged.status).toBe(401);
    expect((await errorOf(forged)).code).toBe('WEBHOOK_SIGNATURE_INVALID');
    const stale = await clickButton(url('slack'), SLACK_SECRET, click, nowSeconds() - 600);
    expect(stale.status).toBe(401);
    expect((await errorOf(stale)).code).toBe('WEBHOOK_TIMESTAMP_STALE');
  });
});

describe('Standard Webhooks (signed with standardwebhooks)', () => {
  test('a signed message resumes the wait; tampered and stale ones are refused', async () => {
    const id = `obj_${unique()}`;
    const handle = await waiter({ source: 'standard', key: id });
    const body = { type: 'object.ready', data: { id } };
    expect((await sendStandard(url('standard'), { id: `msg_${unique()}`, body, tamper: true })).status).toBe(401);
    const stale = await sendStandard(url('standard'), { id: `msg_${unique()}`, body, timestamp: new Date(Date.now() - 600_000) });
    expect((await errorOf(stale)).code).toBe('WEBHOOK_TIMESTAMP_STALE');
    const messageId = `msg_${unique()}`;
    expect((await sendStandard(url('standard'), { id: messageId, body })).status).toBe(202);
    expect((await sendStandard(url('standard'), { id: messageId, body })).status).toBe(202);
    const result = await received(handle);
    expect(result).toMatchObject({ deliveryId: messageId, data: body, webhook: { event: 'object.ready' } });
    expect(await deliverSignals(handle)).toBe(1);
  });
});

describe('an unknown source', () => {
  test('is refused 404 WEBHOOK_SOURCE_UNKNOWN', async () => {
    const response = await sendGitHub(url('gitlab'), { event: 'pull_request', deliveryId: 'x', body: pullRequest('o/r', 1) });
    expect(response.status).toBe(404);
    expect((await errorOf(response)).code).toBe('WEBHOOK_SOURCE_UNKNOWN');
  });
});

describe('routing events to waits by key', () => {
  test('an event that arrives before the wait begins resumes it once', async () => {
    const repo = `octo/early-${unique()}`;
    const deliveryId = `gh-${unique()}`;
    expect((await sendGitHub(url('github'), { event: 'pull_request', deliveryId, body: pullRequest(repo, 3) })).status).toBe(202);
    const handle = await h.start('webhookWait', [{ source: 'github', event: 'pull_request', key: `${repo}#3`, timeout: '1m' } satisfies WebhookWaitInput]);
    const result = await received(handle);
    expect(result.deliveryId).toBe(deliveryId);
    expect(await deliverSignals(handle)).toBe(1);
  });

  test('two waits on one key each resume once', async () => {
    const repo = `octo/pair-${unique()}`;
    const [first, second] = await Promise.all([waiter({ source: 'github', key: `${repo}#9` }), waiter({ source: 'github', key: `${repo}#9` })]);
    const deliveryId = `gh-${unique()}`;
    expect((await sendGitHub(url('github'), { event: 'pull_request', deliveryId, body: pullRequest(repo, 9) })).status).toBe(202);
    for (const handle of [first!, second!]) {
      expect((await received(handle)).deliveryId).toBe(deliveryId);
      expect(await deliverSignals(handle)).toBe(1);
    }
  });

  test('a wait carried across continue-as-new resumes once, in the new run', async () => {
    const repo = `octo/rollover-${unique()}`;
    const options: WebhookWaitOptions = { source: 'github', event: 'pull_request', key: `${repo}#11`, timeout: '1m' };
    const handle = await h.start('webhookRollover', [{ options }]);
    await until(async () => ((await handle.query(subscribedQuery)) ? true : undefined), 'the subscription');
    const firstRun = (await handle.describe()).runId;
    await handle.signal(releaseSignal);
    await until(async () => ((await h.client.workflow.getHandle(handle.workflowId).describe()).runId !== firstRun ? true : undefined), 'continue-as-new');
    const deliveryId = `gh-${unique()}`;
    expect((await sendGitHub(url('github'), { event: 'pull_request', deliveryId, body: pullRequest(repo, 11) })).status).toBe(202);
    const result = (await h.client.workflow.getHandle(handle.workflowId).result()) as CallbackWaitResult & { run: number };
    expect(result).toMatchObject({ status: 'received', deliveryId, run: 2 });
    expect(await deliverSignals(handle)).toBe(1);
  });

  test('another source, a key differing by case and a key extending it by a prefix never match; their mailboxes clean up', async () => {
    const repo = `octo/iso-${unique()}`;
    const handle = await waiter({ source: 'github', key: `${repo}#7` });
    const misses: Array<[string, string, number]> = [
      ['github-other', repo, 7],
      ['github', repo.toUpperCase(), 7],
      ['github', repo, 70],
    ];
    for (const [source, missRepo, number] of misses) {
      const response = await sendGitHub(url(source), { event: 'pull_request', deliveryId: `gh-${unique()}`, body: pullRequest(missRepo, number) });
      expect(response.status).toBe(202);
    }
    // Nobody waits on the other keys: once the hold time passes, their mailboxes complete.
    for (const [source, missRepo, number] of misses) {
      await until(async () => ((await mailboxStatus(source, `${missRepo}#${number}`)) === 'COMPLETED' ? true : undefined), 'a mailbox to complete');
    }
    const [info] = await handle.query(callbacksQuery);
    expect(info).toMatchObject({ status: 'pending', deliveries: 0, rejected: [], webhook: { source: 'github', key: `${repo}#7` } });
    const deliveryId = `gh-${unique()}`;
    await sendGitHub(url('github'), { event: 'pull_request', deliveryId, body: pullRequest(repo, 7) });
    expect((await received(handle)).deliveryId).toBe(deliveryId);
    expect(await deliverSignals(handle)).toBe(1);
  });
});

describe('a wait that is over leaves its mailbox', () => {
  async function heldWaiter(input: WebhookWaitThenHoldInput): Promise<WorkflowHandle> {
    const handle = await h.start('webhookWaitThenHold', [{ timeout: '1m', ...input }]);
    await until(async () => ((await handle.query(subscribedQuery)) ? true : undefined), 'the subscription');
    return handle;
  }

  test('a revoked wait unsubscribes, so its mailbox completes long before the subscription would expire; a later event never reaches it', async () => {
    const key = `octo/revoke-${unique()}#1`;
    const handle = await heldWaiter({ source: 'github', key, revokeOnRelease: true });
    expect((await mailboxView('github', key)).subscribers).toHaveLength(1);
    await handle.signal(releaseSignal);
    await until(async () => ((await mailboxStatus('github', key)) === 'COMPLETED' ? true : undefined), 'the mailbox to complete');
    const deliveryId = `gh-${unique()}`;
    expect((await sendGitHub(url('github'), { event: 'pull_request', deliveryId, body: pullRequest(key.split('#')[0]!, 1) })).status).toBe(202);
    const view = await until(async () => {
      const current = await mailboxView('github', key);
      return current.events.length === 1 ? current : undefined;
    }, 'the event to be held');
    expect(view).toMatchObject({ events: [{ deliveryId, event: 'pull_request' }], subscribers: [] });
    await handle.signal(releaseSignal);
    expect(await handle.result()).toMatchObject({ status: 'revoked' });
    expect(await deliverSignals(handle)).toBe(0);
  });

  test('a once wait its mailbox served sends no unsubscription (the mailbox dropped it on delivery); a run recorded before that change replays unchanged', async () => {
    const repo = `octo/served-${unique()}`;
    const key = `${repo}#3`;
    const handle = await heldWaiter({ source: 'github', key });
    expect((await sendGitHub(url('github'), { event: 'pull_request', deliveryId: `gh-${unique()}`, body: pullRequest(repo, 3) })).status).toBe(202);
    await until(async () => ((await handle.query(callbacksQuery))[0]?.status === 'completed' ? true : undefined), 'the wait to be served');
    // The workflow runs on (until released), so an unsubscription, if it were sent, would reach the mailbox.
    await handle.signal(releaseSignal);
    await received(handle);
    const history = await handle.fetchHistory();
    if (process.env.DC_RECORD_REPLAY_FIXTURE) await fs.writeFile(REPLAY_FIXTURE, temporal.api.history.v1.History.encode(history).finish());
    expect((await mailboxView('github', key)).subscribers).toEqual([]);
    expect(await signalNames(webhookMailboxId('github', key))).not.toContain(webhookUnsubscribeSignal.name);
    for (const recorded of [history, temporal.api.history.v1.History.decode(await fs.readFile(REPLAY_FIXTURE))]) {
      await Worker.runReplayHistory({ workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH }, replayName: 'served once wait' }, recorded);
    }
  });

  test('a stream wait that got what it waited for unsubscribes; later events are held for others, not signalled to it', async () => {
    const repo = `octo/stream-${unique()}`;
    const key = `${repo}#2`;
    const handle = await heldWaiter({ source: 'github', key, mode: 'stream', untilCount: 1 });
    const first = `gh-${unique()}`;
    expect((await sendGitHub(url('github'), { event: 'pull_request', deliveryId: first, body: pullRequest(repo, 2) })).status).toBe(202);
    await until(async () => ((await mailboxView('github', key)).subscribers.length === 0 ? true : undefined), 'the unsubscription');
    const second = `gh-${unique()}`;
    expect((await sendGitHub(url('github'), { event: 'pull_request', deliveryId: second, body: pullRequest(repo, 2, 'closed') })).status).toBe(202);
    await until(async () => ((await mailboxView('github', key)).events.length === 2 ? true : undefined), 'the second event to be held');
    const [info] = await handle.query(callbacksQuery);
    expect(info).toMatchObject({ status: 'completed', deliveries: 1, rejected: [] });
    await handle.signal(releaseSignal);
    expect(await received(handle)).toMatchObject({ deliveryId: first, deliveries: [{ deliveryId: first }] });
    expect(await deliverSignals(handle)).toBe(1);
  });
});
