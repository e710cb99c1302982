import { deliverCallbackSignal } from '../protocol/definitions';
import type { CallbackDelivery } from '../protocol/callback-messages';
import type { ExecutionChains } from './execution-chain';
import { temporalCallError, withinDeadline, type CallbackTarget } from './temporal-calls';

/**
 * Signals `delivery` to the run heading the callback's execution chain (so it follows
 * continue-as-new, and never reaches a later execution reusing the workflow id). Resolves only
 * once Temporal has durably recorded the signal; otherwise throws the {@link temporalCallError}
 * for the failure: `WORKFLOW_NOT_FOUND`, `WORKFLOW_CLOSED`, `EXECUTION_REPLACED`,
 * `TEMPORAL_UNAVAILABLE` (with `Retry-After`) or `INTERNAL_ERROR`.
 */
export async function signalWorkflow(chains: ExecutionChains, target: CallbackTarget, delivery: CallbackDelivery, timeoutMs: number): Promise<void> {
  try {
    await chains.call(target, timeoutMs, (handle) => withinDeadline(chains.client, timeoutMs, () => handle.signal(deliverCallbackSignal, delivery)));
  } catch (err) {
    throw await temporalCallError(chains.client, target, err, timeoutMs);
  }
}
