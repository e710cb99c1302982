import type { WorkflowHandle } from '@temporalio/client';

/** What reached a workflow from outside, read from its history. */
export interface DeliveryEvents {
  /** `WorkflowExecutionSignaled` events. */
  signals: number;
  /** Updates the workflow accepted (`WorkflowExecutionUpdateAccepted`), plus any admitted but not yet accepted. */
  updates: number;
}

/** Counts the signals and updates in `handle`'s history: proof of what a request did or did not deliver. */
export async function deliveryEvents(handle: WorkflowHandle): Promise<DeliveryEvents> {
  const history = await handle.fetchHistory();
  let signals = 0;
  let updates = 0;
  for (const event of history.events ?? []) {
    if (event.workflowExecutionSignaledEventAttributes != null) signals++;
    if (event.workflowExecutionUpdateAcceptedEventAttributes != null || event.workflowExecutionUpdateAdmittedEventAttributes != null) updates++;
  }
  return { signals, updates };
}
