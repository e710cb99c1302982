import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';
import { deliverCallbackSignal } from '../workflows/protocol';
import type { CallbackDelivery, SyncDeliveryResult } from '../workflows/types';
import { syncUpdateId } from './sync-delivery';
import { withinDeadline, type CallbackTarget } from './temporal-calls';

/** How many runs of one execution chain a receipt is looked for in. */
const MAX_RUNS_SEARCHED = 20;

/**
 * Proof that Temporal recorded a delivery before: the signal (the first answer was `202`) or the
 * completed update with the workflow's reply (the first answer was `200` with it).
 */
export type Receipt = { kind: 'signal' } | { kind: 'update'; result: SyncDeliveryResult };

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The runs of `target`'s chain, oldest first when the chain is known, else newest first from the latest run. */
async function* chainHistories(client: Client, target: CallbackTarget, timeoutMs: number): AsyncGenerator<HistoryEvent[]> {
  let runId: string | undefined = target.executionChain;
  for (let runs = 0; runs < MAX_RUNS_SEARCHED; runs++) {
    const handle = client.workflow.getHandle(target.workflowId, runId);
    const history = await withinDeadline(client, timeoutMs, () => handle.fetchHistory());
    const events = history.events ?? [];
    yield events;
    // A known chain is walked forward (continue-as-new names the next run); otherwise backward from the latest run.
    runId = target.executionChain
      ? (events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined)
      : (events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined);
    if (!runId) return;
  }
}

/**
 * Looks for `delivery` in the history of its callback's execution chain, after Temporal refused a
 * retry because that chain is closed or replaced: a sender whose earlier attempt was recorded
 * (and whose answer was lost) must hear so, not that nothing was applied. A completed update is
 * preferred to a signal, since its reply is what the first answer carried. Reads whole histories:
 * this runs only on that rare path, never on a first delivery.
 */
export async function findReceipt(
  client: Client,
  target: CallbackTarget,
  delivery: Pick<CallbackDelivery, 'callbackId' | 'deliveryId'>,
  timeoutMs: number,
): Promise<Receipt | undefined> {
  const converter = client.options.loadedDataConverter;
  const updateId = syncUpdateId(delivery);
  let receipt: Receipt | undefined;
  for await (const events of chainHistories(client, target, timeoutMs)) {
    for (const event of events) {
      const completed = event.workflowExecutionUpdateCompletedEventAttributes;
      if (completed?.meta?.updateId === updateId && completed.outcome?.success) {
        return { kind: 'update', result: await decodeFromPayloadsAtIndex<SyncDeliveryResult>(converter, 0, completed.outcome.success.payloads) };
      }
      const signaled = event.workflowExecutionSignaledEventAttributes;
      if (!receipt && signaled?.signalName === deliverCallbackSignal.name) {
        const recorded = await decodeFromPayloadsAtIndex<CallbackDelivery>(converter, 0, signaled.input?.payloads);
        if (recorded.callbackId === delivery.callbackId && recorded.deliveryId === delivery.deliveryId) receipt = { kind: 'signal' };
      }
    }
  }
  return receipt;
}
