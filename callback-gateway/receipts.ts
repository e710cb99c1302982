import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { CallbackError } from '../protocol/errors';
import type { Refusals } from './contract/contract-parts';
import { deliverCallbackSignal, deliveryReceiptQuery } from '../protocol/definitions';
import type { CallbackDelivery, DeliveryReceipt, SyncDeliveryResult } from '../protocol/callback-messages';
import { historiesNewestFirst, lastRunOf } from './chain-history';
import { syncUpdateId } from './sync-delivery';
import { chainHead, chainRefusal, withinDeadline, type CallbackTarget } from './temporal-calls';

/**
 * Proof that Temporal recorded a delivery before: the signal (the first answer was `202`) or the
 * applied update with the workflow's reply (the first answer was `200` with it).
 */
export type Receipt = { kind: 'signal' } | { kind: 'update'; result: SyncDeliveryResult };

/** The delivery a receipt is looked for: its callback and delivery id. */
export type ReceiptKey = Pick<CallbackDelivery, 'callbackId' | 'deliveryId'>;

/** How long one receipt search may take. */
export interface ReceiptSearch {
  /** When the search must be over (epoch ms): the request's deadline. */
  deadline: number;
  /** Bound on the receipt query, which only a worker answers (it replays the chain's last run). */
  queryTimeoutMs: number;
}

/** `Retry-After` for `RECEIPT_UNAVAILABLE`: a worker has to come back, which takes longer than a network blip. */
export const RECEIPT_RETRY_AFTER_SECONDS = 30;

/** What a receipt search refuses with beside Temporal's failures: {@link receiptUnavailable}. */
export const RECEIPT_REFUSALS: Refusals = { RECEIPT_UNAVAILABLE: ['Retry-After'] };

/** `RECEIPT_UNAVAILABLE` (503, `Retry-After`): whether the delivery was recorded could not be told in time. */
export function receiptUnavailable(cause: unknown): CallbackError {
  return new CallbackError(
    'RECEIPT_UNAVAILABLE',
    'The workflow has finished, and the gateway could not tell in time whether an earlier attempt of this delivery was recorded (no worker answered, and its history was not read through). Nothing new was recorded. Retry later with the same Idempotency-Key.',
    { cause, retryAfterSeconds: RECEIPT_RETRY_AFTER_SECONDS },
  );
}

/** The receipt a workflow's answer to the receipt query amounts to: a refusal it recorded was a signal answered `202`. */
function receiptFromAnswer(answer: DeliveryReceipt): Receipt | undefined {
  if (answer.outcome === 'unknown') return undefined;
  if (answer.outcome === 'applied' && answer.answer) return { kind: 'update', result: { outcome: 'accepted', ...answer.answer } };
  return { kind: 'signal' };
}

/**
 * Asks the run `runId` (the chain's last) what it knows of `key`, within `timeoutMs`. Undefined
 * when it gives no definite answer: no worker answered in time, the run does not know the
 * callback (it was not carried that far), or its code predates the query.
 */
async function askLastRun(client: Client, workflowId: string, runId: string, key: ReceiptKey, timeoutMs: number): Promise<{ receipt: Receipt | undefined } | undefined> {
  try {
    const answer = await withinDeadline(client, timeoutMs, () =>
      client.workflow.getHandle(workflowId, runId).query(deliveryReceiptQuery, key.callbackId, key.deliveryId),
    );
    return answer ? { receipt: receiptFromAnswer(answer) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Looks for `key` in the histories of its callback's chain, newest run first, from `lastRunId`
 * back to the chain's first run, with no cap on runs. A completed update is preferred to a
 * signal (its reply is what the first answer carried), so a signal found does not end the search;
 * an update does. Returns undefined only when every run was read and none holds the delivery.
 * @throws `RECEIPT_UNAVAILABLE` when the deadline passed, or a run could not be read, before the
 * whole chain was read and nothing was found: saying "not recorded" then might be untrue.
 */
export async function receiptInHistories(client: Client, target: CallbackTarget, lastRunId: string, key: ReceiptKey, deadline: number): Promise<Receipt | undefined> {
  const converter = client.options.loadedDataConverter;
  const updateId = syncUpdateId(key);
  let signal: Receipt | undefined;
  try {
    for await (const events of historiesNewestFirst(client, target, lastRunId, deadline)) {
      for (const event of events) {
        const completed = event.workflowExecutionUpdateCompletedEventAttributes;
        if (completed?.meta?.updateId === updateId && completed.outcome?.success) {
          return { kind: 'update', result: await decodeFromPayloadsAtIndex<SyncDeliveryResult>(converter, 0, completed.outcome.success.payloads) };
        }
        const signaled = event.workflowExecutionSignaledEventAttributes;
        if (!signal && signaled?.signalName === deliverCallbackSignal.name) {
          const recorded = await decodeFromPayloadsAtIndex<CallbackDelivery>(converter, 0, signaled.input?.payloads);
          if (recorded.callbackId === key.callbackId && recorded.deliveryId === key.deliveryId) signal = { kind: 'signal' };
        }
      }
    }
  } catch (err) {
    // A recorded signal is proof enough; only its absence needs the whole chain.
    if (signal) return signal;
    throw receiptUnavailable(err);
  }
  return signal;
}

/**
 * Looks for the receipt of `key` after Temporal refused a retry because its callback's chain is
 * closed or replaced: a sender whose earlier attempt was recorded (and whose answer was lost) must
 * hear so, not that nothing was applied. First one query to the chain's last run, which carries
 * the delivery-id memory (and synchronous answers) of every run before it, so the cost does not
 * grow with the chain; only when no worker answers within `queryTimeoutMs` (or the last run does
 * not know the callback), the histories, newest run first, within the search's deadline.
 * Undefined when nothing of the delivery was recorded (then the refusal stands, and is true).
 * @throws `RECEIPT_UNAVAILABLE` when that could not be told in time; `TEMPORAL_UNAVAILABLE` when
 * Temporal could not say where the chain stands; `WORKFLOW_NOT_FOUND` when it is gone.
 */
export async function findReceipt(client: Client, target: CallbackTarget, key: ReceiptKey, search: ReceiptSearch): Promise<Receipt | undefined> {
  const head = await chainHead(client, target, Math.max(1, search.deadline - Date.now()));
  // Deleted since the refusal (retention): nothing is left to read, and a 410 would claim too much.
  if (head.kind === 'missing') throw chainRefusal(head)!;
  let lastRunId: string | undefined;
  try {
    lastRunId = await lastRunOf(client, target, head, search.deadline);
  } catch (err) {
    throw receiptUnavailable(err);
  }
  if (!lastRunId) return undefined;
  const answered = await askLastRun(client, target.workflowId, lastRunId, key, Math.min(search.queryTimeoutMs, Math.max(1, search.deadline - Date.now())));
  if (answered) return answered.receipt;
  return receiptInHistories(client, target, lastRunId, key, search.deadline);
}
