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

/**
 * Everything in `handle`'s history as one text: every string field, and every byte field (the
 * payloads) read as UTF-8. Search it for what must never reach workflow history.
 */
export async function historyText(handle: WorkflowHandle): Promise<string> {
  const texts: string[] = [];
  const stack: unknown[] = [await handle.fetchHistory()];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') texts.push(value);
    else if (value instanceof Uint8Array) texts.push(Buffer.from(value).toString('utf8'));
    else if (typeof value === 'object' && value !== null) stack.push(...Object.values(value));
  }
  return texts.join('\n');
}
