import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { CallbackInfo } from '../workflows';
import { callbacksQuery } from '../protocol/definitions';
import { pollUntil } from './support/async';
import { errorOf, postJson, startHarness, type Harness } from './support/harness';
import { createTimeSkippingEnv, timeSkippingAvailable } from './support/time-skipping';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import { releaseSignal, type ConfigurableWaitInput } from './workflows';

/**
 * Timeouts and expiry in the time they are meant for (days, hours), on Temporal's time-skipping
 * test server: the worker (with minting) and the gateway are the real ones, only the clock jumps.
 * Each test checks how much workflow time passed (no test asserts on wall-clock time). The test
 * server is the Java build from Maven Central: on a machine without `java` and `mvn` these tests
 * are skipped, saying so.
 */

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const available = timeSkippingAvailable();
if (!available) console.warn('callback-time-skipping: skipped, since Temporal\'s time-skipping test server (its Java build) needs `java` and `mvn` on PATH.');
const describeWhenAvailable = available ? describe : describe.skip;

let env: TestWorkflowEnvironment;
let h: Harness;
beforeAll(async () => {
  if (!available) return;
  // The first run on a machine resolves the test server from Maven Central (tens of seconds).
  env = await createTimeSkippingEnv();
  h = await startHarness({ temporal: { client: env.client, nativeConnection: env.nativeConnection } });
}, 10 * 60_000);
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

/** Runs `fn`, with how much workflow time and how much wall clock it took. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; workflowMs: number }> {
  const workflowStart = await env.currentTimeMs();
  const value = await fn();
  return { value, workflowMs: (await env.currentTimeMs()) - workflowStart };
}

async function configurable(input: ConfigurableWaitInput): Promise<{ handle: WorkflowHandle; url: string }> {
  const handle = await h.start('configurableWait', [input]);
  return { handle, url: await waitForCallbackUrl(handle) };
}

async function callbackInfo(handle: WorkflowHandle): Promise<CallbackInfo> {
  const [info] = await handle.query(callbacksQuery);
  return info!;
}

describeWhenAvailable('a wait’s timeout', () => {
  test('with no delivery within a 7-day timeout the wait yields timed_out, 7 days later', async () => {
    const { value, workflowMs } = await timed(async () => (await h.start('awaitCallback', [{ timeout: '7d' }])).result());
    expect(value).toMatchObject({ status: 'timed_out' });
    expect(workflowMs).toBeGreaterThanOrEqual(7 * DAY);
    expect(workflowMs).toBeLessThan(8 * DAY);
  });

  test('waitOrThrow fails the workflow with a non-retryable CALLBACK_TIMED_OUT', async () => {
    const handle = await h.start('waitOrThrowWorkflow', ['3d']);
    const failure = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as { type?: string; nonRetryable?: boolean };
    expect(cause.type).toBe('CALLBACK_TIMED_OUT');
    expect(cause.nonRetryable).toBe(true);
  });

  test('a delivery on day 6 of a 7-day wait is received', async () => {
    const { handle, url } = await configurable({ timeout: '7d' });
    await env.sleep('6d');
    expect((await callbackInfo(handle)).status).toBe('pending');
    expect((await postJson(url, { decision: 'approve' })).status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'received', data: { decision: 'approve' } });
  });

  test('once the wait timed out, a late delivery is refused with 410 CALLBACK_CLOSED', async () => {
    const { handle, url } = await configurable({ timeout: '2d', holdOpen: true });
    await env.sleep('2d');
    await pollUntil('the callback timed out', async () => (await callbackInfo(handle)).status === 'timed_out', 10_000, 50);
    const late = await postJson(url, {}, { prefer: 'wait=10' });
    expect(late.status).toBe(410);
    expect((await errorOf(late)).code).toBe('CALLBACK_CLOSED');
    await handle.signal(releaseSignal);
    await handle.result();
  });
});

describeWhenAvailable('a callback’s expiry', () => {
  test('without a timeout, the wait ends when the URL expires (expiresIn: 30 days), not before', async () => {
    const { value, workflowMs } = await timed(async () => (await h.start('awaitCallback', [{ expiresIn: '30d' }])).result());
    expect(value).toMatchObject({ status: 'timed_out' });
    expect(workflowMs).toBeGreaterThanOrEqual(30 * DAY);
    expect(workflowMs).toBeLessThan(31 * DAY);
  });

  test('a callback with neither timeout nor expiresIn lives 7 days', async () => {
    const { value, workflowMs } = await timed(async () => (await h.start('awaitCallback', [{}])).result());
    expect(value).toMatchObject({ status: 'timed_out' });
    expect(workflowMs).toBeGreaterThanOrEqual(7 * DAY);
    expect(workflowMs).toBeLessThan(8 * DAY);
  });
});

describeWhenAvailable('heartbeats', () => {
  test('keep a wait with a 1-hour heartbeatTimeout alive for hours, and the latest progress is queryable', async () => {
    const { handle, url } = await configurable({ timeout: '7d', heartbeatTimeout: '1h' });
    for (let pct = 25; pct <= 75; pct += 25) {
      expect((await postJson(`${url}/heartbeat`, { pct })).status).toBe(202);
      await pollUntil('the heartbeat reached the workflow', async () => ((await callbackInfo(handle)).lastProgress?.data as { pct?: number } | undefined)?.pct === pct, 10_000, 50);
      await env.sleep('50m');
    }
    const info = await callbackInfo(handle);
    expect(info.status).toBe('pending');
    expect(info.lastProgress?.data).toEqual({ pct: 75 });
    expect((await postJson(url, { done: true })).status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'received', data: { done: true } });
  });

  test('their absence ends the wait with heartbeat_timed_out, an hour after the last one', async () => {
    const { handle, url } = await configurable({ timeout: '7d', heartbeatTimeout: '1h' });
    expect((await postJson(`${url}/heartbeat`, { step: 'started' })).status).toBe(202);
    await pollUntil('the heartbeat reached the workflow', async () => (await callbackInfo(handle)).lastProgress !== undefined, 10_000, 50);
    const { value, workflowMs } = await timed(() => handle.result());
    expect(value).toMatchObject({ status: 'heartbeat_timed_out', lastProgress: { data: { step: 'started' } } });
    expect(workflowMs).toBeGreaterThanOrEqual(HOUR - 60_000);
    expect(workflowMs).toBeLessThan(2 * HOUR);
  });
});

describeWhenAvailable('an approval on a server without the inbox’s search attribute', () => {
  test('runs to its timeout, and the workflow never upserts DurableCallbacksApprovers', async () => {
    const handle = await h.start('auditedApproval', [{ action: { title: 'Nobody answers' }, approvers: [{ group: 'oncall' }], timeout: '2d' }]);
    const { value, workflowMs } = await timed(() => handle.result());
    expect(value).toMatchObject({ outcome: 'timed_out', decidedBy: 'timeout' });
    expect(workflowMs).toBeGreaterThanOrEqual(2 * DAY);
    const history = await handle.fetchHistory();
    expect((history.events ?? []).filter((event) => event.upsertWorkflowSearchAttributesEventAttributes != null)).toEqual([]);
  });
});
