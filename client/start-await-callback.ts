import { WithStartWorkflowOperation, type Client, type WorkflowHandle } from '@temporalio/client';
import type { awaitCallback, AwaitCallbackInput } from '../workflows/await-callback';
import { awaitCallbackUrlUpdate } from '../protocol/definitions';
import type { AwaitCallbackUrl } from '../protocol/callback-messages';
import { startWithUrlUpdate } from './start-with-callback-url';

/** Options for {@link startAwaitCallback}. */
export interface StartAwaitCallbackOptions {
  /** The task queue of a worker that runs `awaitCallback` (e.g. `durable-callbacks worker`, `TEMPORAL_TASK_QUEUE`). */
  taskQueue: string;
  /** The workflow id; a random one by default. Starting an id that is already running fails. */
  workflowId?: string;
  /** What to mint and how long to wait: the `awaitCallback` workflow's input. */
  input?: AwaitCallbackInput;
}

/** A started `awaitCallback` workflow and its callback URL. */
export interface StartedAwaitCallback extends AwaitCallbackUrl {
  /** The workflow; `await handle.result()` for what the wait yielded. */
  handle: WorkflowHandle<typeof awaitCallback>;
}

/**
 * Starts the ready-made `awaitCallback` workflow and returns its callback URL, in one round trip
 * (Temporal update-with-start, as `startWithCallbackUrl` does for any workflow; this one
 * asks with `awaitCallback`'s own update, which workers of every version answer): the update waits until the URL is minted and answers with it, so
 * the caller never polls. Hand `url` to the external system, then `await handle.result()`.
 *
 * @throws the SDK's `WorkflowExecutionAlreadyStartedError` when `workflowId` is already running,
 *   or its `WorkflowFailedError` when the workflow failed before minting (its `cause` says why, e.g.
 *   an `ApplicationFailure` of type `INVALID_CALLBACK_OPTIONS`).
 */
export async function startAwaitCallback(client: Client, options: StartAwaitCallbackOptions): Promise<StartedAwaitCallback> {
  const startWorkflowOperation = new WithStartWorkflowOperation<typeof awaitCallback>('awaitCallback', {
    taskQueue: options.taskQueue,
    workflowId: options.workflowId ?? `await-callback-${crypto.randomUUID()}`,
    args: [options.input ?? {}],
    workflowIdConflictPolicy: 'FAIL',
  });
  const { answer, handle } = await startWithUrlUpdate(client, startWorkflowOperation, awaitCallbackUrlUpdate, []);
  return { ...answer, handle };
}
