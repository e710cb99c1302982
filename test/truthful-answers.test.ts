import { randomBytes, randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { Webhook } from 'standardwebhooks';
import type { CallbackWaitResult } from '../workflows';
import { callbacksQuery } from '../protocol/definitions';
import { pollUntil } from './support/async';
import { deliveryEvents } from './support/history';
import { errorOf, postJson, startHarness, type Harness } from './support/harness';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import { releaseSignal, type ConfigurableWaitInput } from './workflows';

const SENDER = 'ticketing';
const secret = randomBytes(32);
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ signatureSecrets: new Map([[SENDER, secret]]) });
});
afterAll(async () => {
  await h?.close();
});

async function waiting(input: ConfigurableWaitInput = {}, workflowId?: string): Promise<{ handle: WorkflowHandle; url: string }> {
  const handle = workflowId
    ? await h.client.workflow.start('configurableWait', { taskQueue: h.taskQueue, workflowId, args: [input] })
    : await h.start('configurableWait', [input]);
  return { handle, url: await waitForCallbackUrl(handle) };
}

async function statusOf(url: string, deliveryId?: string): Promise<Record<string, any>> {
  const response = await fetch(`${url}/status${deliveryId ? `?deliveryId=${encodeURIComponent(deliveryId)}` : ''}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, any>;
}

describe('a signed request cannot be replayed', () => {
  test('signed by the Standard Webhooks reference library: the signed webhook-id is the delivery id; a replay changes nothing and is answered as a duplicate', async () => {
    const { handle, url } = await waiting({ mode: 'stream', requireSignature: SENDER, untilCount: 5 });
    const signer = new Webhook(`whsec_${secret.toString('base64')}`);
    const body = JSON.stringify({ event: 'ticket.assigned', assignee: 'alice' });
    const timestamp = new Date();
    const headers = {
      'content-type': 'application/json',
      'webhook-id': 'evt_replay',
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signer.sign('evt_replay', timestamp, body),
    };
    const send = (extra: Record<string, string> = {}) => fetch(url, { method: 'POST', headers: { ...headers, ...extra }, body });

    const first = await send();
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ status: 'accepted', deliveryId: 'evt_replay' });

    const replayed = await send();
    expect(replayed.status).toBe(202);
    expect(await replayed.json()).toMatchObject({ status: 'duplicate', deliveryId: 'evt_replay' });

    for (const key of ['fresh-1', 'fresh-2']) {
      const withFreshKey = await send({ 'idempotency-key': key });
      expect(withFreshKey.status).toBe(400);
      expect((await errorOf(withFreshKey)).code).toBe('DELIVERY_ID_MISMATCH');
    }
    const matchingKey = await send({ 'idempotency-key': 'evt_replay' });
    expect(matchingKey.status).toBe(202);

    const [info] = await handle.query(callbacksQuery);
    expect(info!.deliveries).toBe(1);
    await handle.terminate('test done');
  });
});

describe('receipts: a retry of a recorded delivery is told so, also after the workflow closed', () => {
  test('the lost-202 case: the retry after the workflow finished gets 202 duplicate, not 410', async () => {
    const { handle, url } = await waiting();
    const first = await postJson(url, { decision: 'approve' }, { 'idempotency-key': 'k-lost' });
    expect(first.status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'received', deliveryId: 'k-lost' });
    const retry = await postJson(url, { decision: 'approve' }, { 'idempotency-key': 'k-lost' });
    expect(retry.status).toBe(202);
    expect(await retry.json()).toMatchObject({ status: 'duplicate', deliveryId: 'k-lost' });

    // Another delivery id was never recorded: 410 is true for it.
    const other = await postJson(url, { decision: 'approve' }, { 'idempotency-key': 'k-other' });
    expect(other.status).toBe(410);
    expect((await errorOf(other)).code).toBe('WORKFLOW_CLOSED');
  });

  test('five concurrent deliveries with one key all get 2xx, and the workflow applied one', async () => {
    for (let round = 0; round < 4; round++) {
      const { handle, url } = await waiting();
      const answers = await Promise.all(Array.from({ length: 5 }, () => postJson(url, { n: round }, { 'idempotency-key': `same-${round}` })));
      expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
      const result = (await handle.result()) as CallbackWaitResult;
      expect(result).toMatchObject({ status: 'received', deliveryId: `same-${round}` });
      if (result.status === 'received') expect(result.deliveries).toHaveLength(1);
    }
  });

  test('a synchronous retry after the workflow closed gets the first reply again, marked duplicate', async () => {
    const { handle, url } = await waiting({ withReply: true });
    const first = await postJson(url, { decision: 'approve' }, { 'idempotency-key': 'k-sync', prefer: 'wait=10' });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ status: 'accepted', reply: { thanks: 'approve' } });
    await handle.result();
    const retry = await postJson(url, { decision: 'approve' }, { 'idempotency-key': 'k-sync', prefer: 'wait=10' });
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ status: 'duplicate', deliveryId: 'k-sync', callbackStatus: 'completed', reply: { thanks: 'approve' } });
  });

  test('after continue-as-new: a delivery recorded in the first run is found when the last run has closed', async () => {
    const handle = await h.start('rollover');
    const url = await waitForCallbackUrl(handle);
    const first = await postJson(url, { before: 'continue-as-new' }, { 'idempotency-key': 'k-chain' });
    expect(first.status).toBe(202);
    await handle.signal(releaseSignal);
    expect(await handle.result()).toMatchObject({ status: 'received', run: 2, deliveryId: 'k-chain' });
    const retry = await postJson(url, { before: 'continue-as-new' }, { 'idempotency-key': 'k-chain' });
    expect(retry.status).toBe(202);
    expect(await retry.json()).toMatchObject({ status: 'duplicate' });
  });
});

describe('a URL belongs to the execution chain that minted it', () => {
  test('after the workflow id is reused, the old URL gets 410 EXECUTION_REPLACED and the new run hears nothing', async () => {
    const workflowId = `reused-${randomUUID()}`;
    const old = await waiting({}, workflowId);
    expect((await postJson(old.url, { to: 'old' })).status).toBe(202);
    await old.handle.result();
    const fresh = await waiting({}, workflowId);
    const before = await deliveryEvents(fresh.handle);

    for (let i = 0; i < 3; i++) {
      const stale = await postJson(old.url, { to: 'new?' }, { 'idempotency-key': `stale-${i}` });
      expect(stale.status).toBe(410);
      expect((await errorOf(stale)).code).toBe('EXECUTION_REPLACED');
    }
    const sync = await postJson(old.url, { to: 'new?' }, { prefer: 'wait=5' });
    expect(sync.status).toBe(410);
    expect((await errorOf(sync)).code).toBe('EXECUTION_REPLACED');
    expect(await deliveryEvents(fresh.handle)).toEqual(before);
    const [info] = await fresh.handle.query(callbacksQuery);
    expect(info).toMatchObject({ deliveries: 0, rejected: [] });

    // The old URL's own recorded delivery still has its receipt.
    const retry = await postJson(old.url, { to: 'old' }, { 'idempotency-key': (await old.handle.result() as { deliveryId: string }).deliveryId });
    expect(retry.status).toBe(202);
    expect(await retry.json()).toMatchObject({ status: 'duplicate' });

    expect((await postJson(fresh.url, { to: 'new' })).status).toBe(202);
    expect(await fresh.handle.result()).toMatchObject({ status: 'received', data: { to: 'new' } });
  });
});

describe('GET /callbacks/:token/status: a URL that describes itself', () => {
  test('a pending callback with a schema: what it takes, and each delivery\'s outcome', async () => {
    const { handle, url } = await waiting({ mode: 'stream', withSchema: true, untilCount: 2, holdOpen: true });
    expect(await statusOf(url)).toMatchObject({
      workflow: 'running',
      status: 'pending',
      accepts: { actions: ['complete', 'fail', 'heartbeat'], methods: ['POST', 'PUT'], apiKey: false, signature: false },
      schema: { type: 'object', properties: { decision: { enum: ['approve', 'reject'] } }, required: ['decision'] },
    });
    expect((await postJson(url, { decision: 'approve' }, { 'idempotency-key': 'good' })).status).toBe(202);
    expect((await postJson(url, { decision: 'maybe' }, { 'idempotency-key': 'bad' })).status).toBe(202);
    let refused: Record<string, any> = {};
    await pollUntil("the refused delivery's status", async () => (refused = await statusOf(url, 'bad')).delivery?.outcome === 'refused', 10_000, 50);
    expect(refused.delivery).toMatchObject({ deliveryId: 'bad', outcome: 'refused', reason: 'PAYLOAD_INVALID', issues: [expect.objectContaining({ path: 'decision' })] });
    expect((await statusOf(url, 'good')).delivery).toEqual({ deliveryId: 'good', outcome: 'applied' });
    expect((await statusOf(url, 'never-sent')).delivery).toEqual({ deliveryId: 'never-sent', outcome: 'unknown' });
    await handle.terminate('test done');
  });

  test('after the workflow closed: applied (a worker replays it), and recorded when no worker can', async () => {
    const { handle, url } = await waiting();
    expect((await postJson(url, { decision: 'approve' }, { 'idempotency-key': 'done' })).status).toBe(202);
    await handle.result();
    expect(await statusOf(url, 'done')).toMatchObject({ workflow: 'closed', status: 'completed', accepts: { actions: [] }, delivery: { outcome: 'applied' } });
    await h.stopWorker();
    try {
      expect(await statusOf(url, 'done')).toMatchObject({ workflow: 'closed', status: 'unknown', delivery: { deliveryId: 'done', outcome: 'recorded' } });
      expect((await statusOf(url, 'other')).delivery).toEqual({ deliveryId: 'other', outcome: 'unknown' });
    } finally {
      await h.startWorker();
    }
  }, 60_000);

  test('never delivers: any other method is 405, a bad delivery id 400', async () => {
    const { handle, url } = await waiting();
    const post = await postJson(`${url}/status`, { decision: 'approve' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const bad = await fetch(`${url}/status?deliveryId=${encodeURIComponent('a b')}`);
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe('INVALID_DELIVERY_ID');
    expect(await deliveryEvents(handle)).toEqual({ signals: 0, updates: 0 });
    await handle.terminate('test done');
  });
});
