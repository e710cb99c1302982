import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { webhookMailboxId } from '../protocol/webhook-ids';
import { webhookMailboxQuery } from '../protocol/definitions';
import { pollUntil } from './support/async';
import { errorOf, type Harness } from './support/harness';
import { deliverSignals as deliverSignalsOf, received, startWebhookHarness, startWebhookWaiter } from './support/webhook-harness';
import { GITHUB_SECRET, STANDARD_SECRET, sendGitHub, sendStandard } from './support/webhook-senders';
import type { WebhookWaitInput } from './workflows';

/**
 * What the webhook path promises when things go wrong: an accepted event is never lost with a
 * mailbox that ends, and a replayed request is never applied twice. Against the tests' dev server, the gateway on a real port, events signed with the
 * providers' own libraries.
 */

const SOURCES = {
  github: { provider: 'github', secret: GITHUB_SECRET, events: { pull_request: { key: '{/repository/full_name}#{/pull_request/number}' }, issues: { key: '{/repository/full_name}#{/issue/number}' } } },
  standard: { provider: 'standard-webhooks', secret: STANDARD_SECRET, events: { '*': { key: '{/data/id}' } } },
};

let h: Harness;
beforeAll(async () => {
  h = await startWebhookHarness(SOURCES, { webhookHoldMs: 60_000 });
});
afterAll(async () => {
  await h?.close();
});

const unique = () => randomUUID().slice(0, 8);
const pullRequest = (repo: string, number: number) => ({ action: 'opened', repository: { full_name: repo }, pull_request: { number }, issue: { number } });

const waiter = (input: WebhookWaitInput) => startWebhookWaiter(h, input);

const deliverSignals = (handle: WorkflowHandle) => deliverSignalsOf(h, handle);

/**
 * What a mailbox holds, or undefined when its query does not answer within 5 s. While updates
 * pour into a busy mailbox, Temporal can hold a query back until its own timeout (tens of
 * seconds); a short deadline lets the next poll ask again once the burst has passed.
 */
const heldBy = (mailbox: WorkflowHandle) =>
  h.client.withDeadline(Date.now() + 5_000, () => mailbox.query(webhookMailboxQuery)).catch(() => undefined);

describe('a replayed provider request', () => {
  test('GitHub: the same signed body with a new X-GitHub-Delivery and another X-GitHub-Event is a duplicate, applied once', async () => {
    const repo = `octo/replay-${unique()}`;
    const stream = await waiter({ source: 'github', key: `${repo}#7`, mode: 'stream' });
    const issueWait = await waiter({ source: 'github', key: `${repo}#7`, event: 'issues' });
    const first = await sendGitHub(`${h.gatewayUrl}/webhooks/github`, { event: 'pull_request', deliveryId: `gh-${unique()}`, body: pullRequest(repo, 7) });
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ status: 'accepted' });
    // An attacker who captured the request: the body and its signature unchanged, the unsigned headers new.
    const replayed = await sendGitHub(`${h.gatewayUrl}/webhooks/github`, { event: 'pull_request', deliveryId: `gh-${unique()}`, body: pullRequest(repo, 7) });
    const retyped = await sendGitHub(`${h.gatewayUrl}/webhooks/github`, { event: 'issues', deliveryId: `gh-${unique()}`, body: pullRequest(repo, 7) });
    for (const response of [replayed, retyped]) {
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ status: 'duplicate' });
    }
    await pollUntil('the first delivery', async () => (await deliverSignals(stream)) >= 1, 20_000, 100);
    // Long enough for a second delivery to land, were one sent.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await deliverSignals(stream)).toBe(1);
    expect(await deliverSignals(issueWait)).toBe(0);
    await issueWait.terminate();
    await stream.terminate();
  });

  test("a provider's retry of one delivery is answered duplicate", async () => {
    const id = `msg_${unique()}`;
    const body = { type: 'thing.done', data: { id: `retry-${unique()}` } };
    const first = await sendStandard(`${h.gatewayUrl}/webhooks/standard`, { id, body });
    const retry = await sendStandard(`${h.gatewayUrl}/webhooks/standard`, { id, body });
    expect(await first.json()).toMatchObject({ status: 'accepted' });
    expect(retry.status).toBe(202);
    expect(await retry.json()).toMatchObject({ status: 'duplicate', deliveryId: id });
  });
});

describe('keys that could reach another key', () => {
  test('an event whose key is not well-formed Unicode (a lone surrogate) is refused 422 WEBHOOK_KEY_MALFORMED, and nothing is held', async () => {
    const repo = `octo/\ud800-${unique()}`;
    const response = await sendGitHub(`${h.gatewayUrl}/webhooks/github`, { event: 'pull_request', deliveryId: `gh-${unique()}`, body: pullRequest(repo, 1) });
    expect(response.status).toBe(422);
    expect((await errorOf(response)).code).toBe('WEBHOOK_KEY_MALFORMED');
  });
});

describe('a mailbox that ends', () => {
  test('terminated while a wait is subscribed: the next event still reaches the wait, and an event held before reaches a wait that begins after', async () => {
    const key = `terminated-${unique()}`;
    const held = await sendStandard(`${h.gatewayUrl}/webhooks/standard`, { id: `msg_${unique()}`, body: { type: 'early', data: { id: key } } });
    expect(held.status).toBe(202);
    const late = await waiter({ source: 'standard', key, event: 'late' });
    const mailbox = h.client.workflow.getHandle(webhookMailboxId('standard', key));
    await pollUntil('the mailbox holding the early event', async () => (await heldBy(mailbox))?.events.length === 1, 20_000, 100);

    await mailbox.terminate('an operator ends the mailbox');
    const next = await sendStandard(`${h.gatewayUrl}/webhooks/standard`, { id: `msg_${unique()}`, body: { type: 'late', data: { id: key, n: 2 } } });
    expect(next.status).toBe(202);
    expect((await received(late)).data).toMatchObject({ type: 'late', data: { n: 2 } });

    const afterwards = await waiter({ source: 'standard', key, event: 'early' });
    expect((await received(afterwards)).data).toMatchObject({ type: 'early' });
    const view = await h.client.workflow.getHandle(webhookMailboxId('standard', key)).query(webhookMailboxQuery);
    expect(view.events.map((e) => e.event).sort()).toEqual(['early', 'late']);
  });
});

describe('a busy key', () => {
  test('a mailbox continues as new after 100 messages, carrying what it holds: a stream wait begun after 110 events gets every one, once', async () => {
    const key = `busy-${unique()}`;
    const EVENTS = 110;
    for (let i = 0; i < EVENTS; i += 10) {
      const batch = Array.from({ length: 10 }, (_, j) => sendStandard(`${h.gatewayUrl}/webhooks/standard`, { id: `msg_${unique()}`, body: { type: 'tick', data: { id: key, n: i + j } } }));
      for (const response of await Promise.all(batch)) expect(response.status).toBe(202);
    }
    const mailbox = h.client.workflow.getHandle(webhookMailboxId('standard', key));
    await pollUntil(`the mailbox holding ${EVENTS} events`, async () => (await heldBy(mailbox))?.events.length === EVENTS, 120_000, 200);
    const description = await mailbox.describe();
    expect(description.runId).not.toBe(description.raw.workflowExecutionInfo?.firstRunId);
    const stream = await h.start('webhookWait', [{ source: 'standard', key, mode: 'stream', untilCount: EVENTS, timeout: '2m' }]);
    const result = await received(stream);
    expect(new Set(result.deliveries.map((d) => (d.data as { data: { n: number } }).data.n)).size).toBe(EVENTS);
    expect(result.deliveries).toHaveLength(EVENTS);
  }, 240_000);
});
