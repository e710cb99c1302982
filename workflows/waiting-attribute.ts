import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { upsertSearchAttributes } from '@temporalio/workflow';

/**
 * The custom search attribute that marks workflows waiting for a callback, so the Temporal UI,
 * `temporal workflow list --query 'DurableCallbacksWaiting = true'` and `durable-callbacks
 * callbacks list` can find them. `temporal-dev.sh` registers it on the dev server; on a cluster,
 * register it once (`temporal operator search-attribute create --name DurableCallbacksWaiting
 * --type Bool`) before turning it on: upserting an unregistered attribute fails workflow tasks.
 */
export const WAITING_SEARCH_ATTRIBUTE = defineSearchAttributeKey('DurableCallbacksWaiting', SearchAttributeType.BOOL);

let enabled = false;
let activeWaits = 0;

/**
 * Turns the {@link WAITING_SEARCH_ATTRIBUTE} on for this workflow: while any `wait()` or quorum
 * is in progress it is true, otherwise false. Call it at the start of a workflow, once the
 * attribute is registered on the namespace.
 */
export function markWaitingForCallbacks(on = true): void {
  enabled = on;
}

function publish(waiting: boolean): void {
  if (enabled) upsertSearchAttributes([{ key: WAITING_SEARCH_ATTRIBUTE, value: waiting }]);
}

/** Runs `wait` while the workflow is marked as waiting. */
export async function whileWaiting<T>(wait: () => Promise<T>): Promise<T> {
  if (++activeWaits === 1) publish(true);
  try {
    return await wait();
  } finally {
    if (--activeWaits === 0) publish(false);
  }
}
