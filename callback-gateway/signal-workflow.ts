import type { Client } from '@temporalio/client';
import { deliverCallbackSignal } from '../workflows/protocol';
import type { CallbackDelivery } from '../workflows/types';
import { temporalCallError, withinDeadline } from './temporal-calls';

/**
 * Signals `delivery` to the workflow by id (latest run, so it follows continue-as-new). Resolves
 * only once Temporal has durably recorded the signal; otherwise throws the
 * {@link temporalCallError} for the failure: `WORKFLOW_NOT_FOUND`, `WORKFLOW_CLOSED`,
 * `TEMPORAL_UNAVAILABLE` (with `Retry-After`) or `INTERNAL_ERROR`.
 */
export async function signalWorkflow(client: Client, workflowId: string, delivery: CallbackDelivery, timeoutMs: number): Promise<void> {
  try {
    await withinDeadline(client, timeoutMs, () => client.workflow.getHandle(workflowId).signal(deliverCallbackSignal, delivery));
  } catch (err) {
    throw await temporalCallError(client, workflowId, err, timeoutMs);
  }
}
