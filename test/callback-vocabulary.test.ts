import { CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { pollUntil } from './support/async';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import type { CallbackInfo, CallbackWaitResult, QuorumResult } from '../workflows';
import { callbacksQuery } from '../protocol/definitions';
import { errorOf, postJson, signalCount, startHarness, type Harness } from './support/harness';
import { closeSignal, labelledUrlsQuery, releaseSignal, revokeSignal, type ConfigurableWaitInput } from './workflows';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function configurable(input: ConfigurableWaitInput = {}): Promise<{ handle: WorkflowHandle; url: string }> {
  const handle = await h.start('configurableWait', [{ timeout: '1m', ...input }]);
  return { handle, url: await waitForCallbackUrl(handle) };
}

async function callbackInfo(handle: WorkflowHandle): Promise<CallbackInfo> {
  const [info] = await handle.query(callbacksQuery);
  return info!;
}

const sync = { prefer: 'wait=10' };
/** How long a poll for something the worker does next may take before the test fails. */
const POLL_DEADLINE_MS = 15_000;

describe('the sender reports failure', () => {
  test('POST /fail ends the wait with status failed and the sender’s error', async () => {
    const { handle, url } = await configurable();
    const response = await postJson(`${url}/fail`, { error: { message: 'disk full', type: 'DiskFull', details: { freeBytes: 0 } } });
    expect(response.status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'failed', error: { message: 'disk full', type: 'DiskFull', details: { freeBytes: 0 } } });
  });

  test('a failure report without an error message is refused with 422 and delivers nothing', async () => {
    const { handle, url } = await configurable();
    const response = await postJson(`${url}/fail`, { reason: 'no error object' });
    expect(response.status).toBe(422);
    expect((await errorOf(response)).code).toBe('INVALID_FAILURE_REPORT');
    expect(await signalCount(handle)).toBe(0);
    await handle.terminate();
  });

  test('waitOrThrow turns a reported failure into a non-retryable CALLBACK_FAILED the workflow can catch', async () => {
    const handle = await h.start('waitOrThrowWorkflow', ['1m']);
    await pollUntil('the callback exists', async () => (await handle.query(callbacksQuery)).length > 0, POLL_DEADLINE_MS, 50);
    // The test workflow does not expose its URL: deliver through a URL minted for the same callback id.
    const [info] = await handle.query(callbacksQuery);
    const token = await h.minter.mint({
      namespace: 'default',
      workflowId: handle.workflowId,
      callbackId: info!.id,
      expiresAt: new Date(Date.now() + 60_000),
      requiresApiKey: false,
      allowGet: false,
    });
    expect((await postJson(`${h.gatewayUrl}/callbacks/${token}/fail`, { error: { message: 'rejected by approver' } })).status).toBe(202);
    const failure = (await handle.result().catch((err: unknown) => err)) as WorkflowFailedError;
    const cause = failure.cause as { type?: string; nonRetryable?: boolean; message: string };
    expect(cause.type).toBe('CALLBACK_FAILED');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toContain('rejected by approver');
  });
});

// Heartbeat timeouts are tested in hours of workflow time: callback-time-skipping.test.ts.

describe('the workflow controls the wait', () => {
  test('revoke() ends the wait; later deliveries never resume anything and sync senders hear 410', async () => {
    const { handle, url } = await configurable({ holdOpen: true });
    await handle.signal(revokeSignal);
    await pollUntil('the callback is revoked', async () => (await callbackInfo(handle)).status === 'revoked', POLL_DEADLINE_MS, 50);
    expect((await postJson(url, { late: true })).status).toBe(202);
    const refused = await postJson(url, { late: true }, sync);
    expect(refused.status).toBe(410);
    expect((await errorOf(refused)).code).toBe('CALLBACK_CLOSED');
    await handle.signal(releaseSignal);
    expect(await handle.result()).toMatchObject({ status: 'revoked' });
    const info = await callbackInfo(handle);
    expect(info.deliveries).toBe(0);
    expect(info.rejected).toEqual([expect.objectContaining({ reason: 'CALLBACK_CLOSED', kind: 'complete' })]);
  });

  test('cancelling the workflow while it waits propagates as Temporal cancellation', async () => {
    const { handle } = await configurable();
    await handle.cancel();
    const failure = (await handle.result().catch((err: unknown) => err)) as WorkflowFailedError;
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(failure.cause).toBeInstanceOf(CancelledFailure);
  });

  test('a URL minted before continue-as-new resumes the new run', async () => {
    const handle = await h.start('rollover');
    const url = await waitForCallbackUrl(handle);
    const firstRun = (await handle.describe()).runId;
    await handle.signal(releaseSignal);
    await pollUntil('the workflow continued as new', async () => (await handle.describe()).runId !== firstRun, POLL_DEADLINE_MS, 50);
    expect(await waitForCallbackUrl(handle)).toBe(url);
    expect((await postJson(url, { after: 'continue-as-new' })).status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'received', data: { after: 'continue-as-new' }, run: 2 });
  });
});

describe('many deliveries', () => {
  test('the same delivery sent five times at once changes the workflow once', async () => {
    const { handle, url } = await configurable({ mode: 'stream', untilCount: 2, holdOpen: false });
    const sends = await Promise.all(Array.from({ length: 5 }, () => postJson(url, { n: 1 }, { 'idempotency-key': 'delivery-1' })));
    expect(sends.map((response) => response.status)).toEqual([202, 202, 202, 202, 202]);
    await pollUntil('five signals arrived', async () => (await signalCount(handle)) >= 5, POLL_DEADLINE_MS, 50);
    expect((await callbackInfo(handle)).deliveries).toBe(1);
    expect((await postJson(url, { n: 2 }, { 'idempotency-key': 'delivery-2' })).status).toBe(202);
    const result = (await handle.result()) as CallbackWaitResult;
    if (result.status !== 'received') throw new Error('expected received');
    expect(result.deliveries.map((delivery) => delivery.data)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  test('a stream keeps every delivery in order until its condition holds', async () => {
    const { handle, url } = await configurable({ mode: 'stream', untilCount: 3 });
    for (const step of ['assigned', 'sla-set', 'confirmed']) expect((await postJson(url, { step })).status).toBe(202);
    const result = (await handle.result()) as CallbackWaitResult;
    if (result.status !== 'received') throw new Error('expected received');
    expect(result.deliveries.map((delivery) => (delivery.data as { step: string }).step)).toEqual(['assigned', 'sla-set', 'confirmed']);
    expect(result.data).toEqual({ step: 'confirmed' });
  });

  test('closing a stream completes it with what arrived', async () => {
    const { handle, url } = await configurable({ mode: 'stream', untilCount: 100 });
    expect((await postJson(url, { only: 1 })).status).toBe(202);
    await pollUntil('the delivery is recorded', async () => (await callbackInfo(handle)).deliveries >= 1, POLL_DEADLINE_MS, 50);
    await handle.signal(closeSignal);
    expect(await handle.result()).toMatchObject({ status: 'received', data: { only: 1 } });
  });
});

describe('several callbacks at once', () => {
  async function approvals(required: number, approvers = ['alice', 'bob', 'carol']) {
    const handle = await h.start('approvals', [{ approvers, required, holdOpen: true }]);
    let urls: Array<{ label: string; url: string }> = [];
    await pollUntil('every approver has a URL', async () => (urls = await handle.query(labelledUrlsQuery)).length >= approvers.length, POLL_DEADLINE_MS, 50);
    return { handle, url: (label: string) => urls.find((entry) => entry.label === label)!.url };
  }

  test('two approvers out of three: the result says who answered what, and the third is refused afterwards', async () => {
    const { handle, url } = await approvals(2);
    expect((await postJson(url('carol'), { decision: 'approve' })).status).toBe(202);
    expect((await postJson(url('alice'), { decision: 'approve', comment: 'ok' })).status).toBe(202);
    await pollUntil('the remaining approval is revoked', async () => (await handle.query(callbacksQuery)).some((info) => info.status === 'revoked'), POLL_DEADLINE_MS, 50);
    const late = await postJson(url('bob'), { decision: 'reject' }, sync);
    expect(late.status).toBe(410);
    await handle.signal(releaseSignal);
    const result = (await handle.result()) as QuorumResult;
    expect(result.status).toBe('met');
    expect(result.received.map((answer) => [answer.label, (answer.result as { data: unknown }).data])).toEqual([
      ['alice', { decision: 'approve', comment: 'ok' }],
      ['carol', { decision: 'approve' }],
    ]);
    expect(result.pending).toEqual([expect.objectContaining({ label: 'bob' })]);
  });

  test('all of them: one failure makes the quorum unreachable at once', async () => {
    const { handle, url } = await approvals(2, ['alice', 'bob']);
    expect((await postJson(`${url('bob')}/fail`, { error: { message: 'on leave' } })).status).toBe(202);
    await handle.signal(releaseSignal);
    const result = (await handle.result()) as QuorumResult;
    expect(result.status).toBe('unreachable');
    expect(result.ended).toEqual([expect.objectContaining({ label: 'bob', result: expect.objectContaining({ status: 'failed' }) })]);
  });

  test('any one of them is enough for waitForQuorum(…, 1)', async () => {
    const { handle, url } = await approvals(1, ['alice', 'bob']);
    expect((await postJson(url('bob'), { decision: 'approve' })).status).toBe(202);
    await handle.signal(releaseSignal);
    const result = (await handle.result()) as QuorumResult;
    expect(result).toMatchObject({ status: 'met', received: [expect.objectContaining({ label: 'bob' })] });
  });
});

describe('payload schemas', () => {
  test('a delivery that fails the schema does not resume the wait and is recorded with its issues', async () => {
    const { handle, url } = await configurable({ withSchema: true });
    expect((await postJson(url, { decision: 'maybe' })).status).toBe(202);
    let info = await callbackInfo(handle);
    await pollUntil('the rejected delivery is recorded', async () => (info = await callbackInfo(handle)).rejected.length > 0, POLL_DEADLINE_MS, 50);
    expect(info.status).toBe('pending');
    expect(info.rejected[0]).toMatchObject({ reason: 'PAYLOAD_INVALID', issues: [expect.objectContaining({ path: 'decision' })] });
    expect((await postJson(url, { decision: 'approve' })).status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'received', data: { decision: 'approve' } });
  });
});

describe('synchronous answers (Prefer: wait)', () => {
  test('200 with the workflow’s reply; the same delivery again gets the same reply', async () => {
    const { handle, url } = await configurable({ withReply: true, holdOpen: true });
    const first = await postJson(url, { decision: 'approve' }, { ...sync, 'idempotency-key': 'approve-1' });
    expect(first.status).toBe(200);
    expect(first.headers.get('preference-applied')).toBe('wait=10');
    const body = await first.json();
    expect(body).toMatchObject({ status: 'accepted', deliveryId: 'approve-1', callbackStatus: 'completed', reply: { thanks: 'approve' } });
    const again = await postJson(`${url}?wait=5`, { decision: 'approve' }, { 'idempotency-key': 'approve-1' });
    expect(again.status).toBe(200);
    // Temporal answers a repeated update id with the original outcome; either way the reply is the original.
    expect(await again.json()).toMatchObject({ deliveryId: 'approve-1', reply: { thanks: 'approve' } });
    await handle.signal(releaseSignal);
    await handle.result();
  });

  test('409 when a different delivery already completed the callback', async () => {
    const { handle, url } = await configurable({ holdOpen: true });
    expect((await postJson(url, { decision: 'approve' }, sync)).status).toBe(200);
    const second = await postJson(url, { decision: 'reject' }, sync);
    expect(second.status).toBe(409);
    expect((await errorOf(second)).code).toBe('CALLBACK_ALREADY_COMPLETED');
    await handle.signal(releaseSignal);
    expect(await handle.result()).toMatchObject({ data: { decision: 'approve' } });
  });

  // 410 after the wait timed out: callback-time-skipping.test.ts.

  test('422 with the validation issues when the payload fails the schema', async () => {
    const { handle, url } = await configurable({ withSchema: true });
    const response = await postJson(url, { decision: 42 }, sync);
    expect(response.status).toBe(422);
    const error = await errorOf(response);
    expect(error).toMatchObject({ code: 'PAYLOAD_INVALID', issues: [expect.objectContaining({ path: 'decision' })] });
    expect(await signalCount(handle)).toBe(0);
    await handle.terminate();
  });
});

describe('the callbacks query', () => {
  test('lists each callback with its state, and never its URL or token', async () => {
    const { handle, url } = await configurable({ mode: 'stream', untilCount: 5 });
    await postJson(url, { n: 1 });
    await postJson(`${url}/heartbeat`, { pct: 10 });
    let info = await callbackInfo(handle);
    await pollUntil('the heartbeat is recorded', async () => (info = await callbackInfo(handle)).lastProgress !== undefined, POLL_DEADLINE_MS, 50);
    expect(info).toMatchObject({ mode: 'stream', status: 'pending', deliveries: 1, lastProgress: { data: { pct: 10 } }, rejected: [] });
    expect(Date.parse(info.expiresAt)).toBeGreaterThan(Date.parse(info.createdAt));
    const token = new URL(url).pathname.split('/').pop()!;
    expect(JSON.stringify(await handle.query(callbacksQuery))).not.toContain(token);
    await handle.terminate();
  });
});

describe('synchronous and asynchronous deliveries share one memory of delivery ids', () => {
  test('a delivery first signalled, then repeated synchronously, is answered as a duplicate', async () => {
    const { handle, url } = await configurable({ withReply: true, holdOpen: true });
    expect((await postJson(url, { decision: 'approve' }, { 'idempotency-key': 'retry-me' })).status).toBe(202);
    await pollUntil('the callback completed', async () => (await callbackInfo(handle)).status === 'completed', POLL_DEADLINE_MS, 50);
    const retried = await postJson(url, { decision: 'approve' }, { ...sync, 'idempotency-key': 'retry-me' });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ status: 'duplicate', reply: { thanks: 'approve' } });
    await handle.signal(releaseSignal);
    await handle.result();
  });
});

describe('timeouts', () => {
  test('a URL minted for a wait with a timeout expires with it, plus a small margin', async () => {
    const before = Date.now();
    const handle = await h.start('awaitCallback', [{ timeout: '10m' }]);
    const url = await waitForCallbackUrl(handle);
    const payload = JSON.parse(Buffer.from(new URL(url).pathname.split('/').pop()!.split('.')[1]!, 'base64url').toString()) as { exp: number };
    const expiresInMs = payload.exp * 1000 - before;
    expect(expiresInMs).toBeGreaterThan(10 * 60_000);
    expect(expiresInMs).toBeLessThanOrEqual(10 * 60_000 + 5 * 60_000 + 5_000);
    await handle.terminate();
  });
});
