import type { WorkflowHandle } from '@temporalio/client';
import { callbackUrlQuery } from '../protocol/definitions';
import { pollUntil } from './support/async';
import { errorOf, postJson, startHarness, type Harness } from './support/harness';
import { chainRunQuery, releaseSignal, type LongChainInput } from './workflows';

// A chain longer than any fixed number of runs a search might stop at, with the delivery in a late run.
const RUNS = 32;
const HOLD_IN_RUN = 26;

let h: Harness;
let handle: WorkflowHandle;
let firstRunId: string;
let url: string;

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  await pollUntil(what, condition, timeoutMs, 100);
}

async function statusOf(deliveryId: string): Promise<Record<string, any>> {
  const response = await fetch(`${url}/status?deliveryId=${encodeURIComponent(deliveryId)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, any>;
}

const retry = (deliveryId: string, headers: Record<string, string> = {}) => postJson(url, { retried: deliveryId }, { 'idempotency-key': deliveryId, ...headers });

/** The run ids of `handle`'s chain, oldest first, read from each run's last event (continue-as-new names the next run). */
async function runIds(): Promise<string[]> {
  const ids = [firstRunId];
  for (;;) {
    const { events } = await h.client.workflow.getHandle(handle.workflowId, ids.at(-1)).fetchHistory();
    const next = events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) return ids;
    ids.push(next);
  }
}

beforeAll(async () => {
  // A short query deadline, so the searches without a worker below do not wait the delivery timeout for an answer.
  h = await startHarness({ queryTimeoutMs: 500 });
  handle = await h.start('longChain', [{ runs: RUNS, holdInRun: HOLD_IN_RUN } satisfies LongChainInput]);
  firstRunId = (await handle.describe()).raw.workflowExecutionInfo!.firstRunId!;
  await until(async () => (await handle.query(chainRunQuery)) === HOLD_IN_RUN, `run ${HOLD_IN_RUN}`);
  url = (await handle.query(callbackUrlQuery))!;

  // Both deliveries are applied in run 26; their first answers are lost, as far as the senders know.
  const first = await retry('late-signal');
  expect(first.status).toBe(202);
  expect(await first.json()).toMatchObject({ status: 'accepted', deliveryId: 'late-signal' });
  const sync = await retry('late-sync', { prefer: 'wait=10' });
  expect(sync.status).toBe(200);
  expect(await sync.json()).toMatchObject({ status: 'accepted', callbackStatus: 'pending', reply: { thanks: { retried: 'late-sync' }, run: HOLD_IN_RUN } });

  await handle.signal(releaseSignal);
  expect(await handle.result()).toEqual({ run: RUNS });
  expect(await runIds()).toHaveLength(RUNS);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe(`receipts in a chain of ${RUNS} runs, for deliveries applied in run ${HOLD_IN_RUN}, after the chain closed`, () => {
  test('the retry of a signal delivery gets 202 duplicate, of a synchronous one 200 duplicate with the first reply; status says applied', async () => {
    const signal = await retry('late-signal');
    expect(signal.status).toBe(202);
    expect(await signal.json()).toMatchObject({ status: 'duplicate', deliveryId: 'late-signal' });

    for (const headers of [{ prefer: 'wait=10' }, {}] as Array<Record<string, string>>) {
      const sync = await retry('late-sync', headers);
      expect(sync.status).toBe(200);
      expect(await sync.json()).toMatchObject({
        status: 'duplicate',
        deliveryId: 'late-sync',
        callbackStatus: 'pending',
        reply: { thanks: { retried: 'late-sync' }, run: HOLD_IN_RUN },
      });
    }

    expect(await statusOf('late-signal')).toMatchObject({ workflow: 'closed', delivery: { deliveryId: 'late-signal', outcome: 'applied' } });
    expect((await statusOf('late-sync')).delivery).toEqual({ deliveryId: 'late-sync', outcome: 'applied' });

    // Never sent: the last run, which carries the whole chain's delivery-id memory, says so, and 410 is true.
    const never = await retry('never-sent');
    expect(never.status).toBe(410);
    expect((await errorOf(never)).code).toBe('WORKFLOW_CLOSED');
  });

  test('with no worker to ask, the receipts are found in the histories, newest run first and without a cap on runs', async () => {
    await h.stopWorker();
    try {
      const signal = await retry('late-signal');
      expect(signal.status).toBe(202);
      expect(await signal.json()).toMatchObject({ status: 'duplicate' });
      const sync = await retry('late-sync', { prefer: 'wait=10' });
      expect(sync.status).toBe(200);
      expect(await sync.json()).toMatchObject({ status: 'duplicate', reply: { thanks: { retried: 'late-sync' }, run: HOLD_IN_RUN } });

      expect(await statusOf('late-signal')).toMatchObject({ workflow: 'closed', status: 'unknown', delivery: { deliveryId: 'late-signal', outcome: 'recorded' } });
      // A completed update is proof the workflow applied it.
      expect((await statusOf('late-sync')).delivery).toEqual({ deliveryId: 'late-sync', outcome: 'applied' });

      // Every run read, none holds it: 410 is true.
      const never = await retry('never-sent');
      expect(never.status).toBe(410);
      expect((await errorOf(never)).code).toBe('WORKFLOW_CLOSED');
      expect((await statusOf('never-sent')).delivery).toEqual({ deliveryId: 'never-sent', outcome: 'unknown' });
    } finally {
      await h.startWorker();
    }
  });

  test('when a run of the chain can no longer be read (as retention deletes early runs first), no worker means 503 RECEIPT_UNAVAILABLE, never a 410 that may be untrue', async () => {
    const runs = await runIds();
    const gone = runs[2]!;
    await h.client.workflowService.deleteWorkflowExecution({ namespace: h.client.options.namespace, workflowExecution: { workflowId: handle.workflowId, runId: gone } });
    await until(
      () => h.client.workflow.getHandle(handle.workflowId, gone).fetchHistory().then(() => false, () => true),
      'run 3 to be deleted',
    );

    await h.stopWorker();
    try {
      const never = await retry('never-sent');
      expect(never.status).toBe(503);
      expect((await errorOf(never)).code).toBe('RECEIPT_UNAVAILABLE');
      expect(Number(never.headers.get('retry-after'))).toBeGreaterThan(0);
      const status = await fetch(`${url}/status?deliveryId=never-sent`);
      expect(status.status).toBe(503);
      expect((await errorOf(status)).code).toBe('RECEIPT_UNAVAILABLE');

      // Run 26 is read before the gap is reached: its receipt stands.
      const signal = await retry('late-signal');
      expect(signal.status).toBe(202);
      expect(await signal.json()).toMatchObject({ status: 'duplicate' });
    } finally {
      await h.startWorker();
    }

    // A worker answers for the whole chain from its last run, gap or not.
    const never = await retry('never-sent');
    expect(never.status).toBe(410);
    expect((await errorOf(never)).code).toBe('WORKFLOW_CLOSED');
  });
});
