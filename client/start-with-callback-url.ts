import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client, type WorkflowHandle, type WorkflowOptions } from '@temporalio/client';
import type { Duration, UpdateDefinition, WithWorkflowArgs, Workflow, WorkflowIdConflictPolicy } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { CALLBACK_URL_NOT_MINTED, callbackUrlsUpdate } from '../protocol/definitions';
import type { PublishedCallbackUrls } from '../protocol/callback-messages';

/** How long {@link startWithCallbackUrl} waits for the URL unless told otherwise. */
const DEFAULT_URL_TIMEOUT_MS = 60_000;

/**
 * How much longer than `urlTimeout` the client waits before giving up itself: the workflow's own
 * timer normally answers first, this covers a workflow no worker picks up.
 */
const CLIENT_GRACE_MS = 15_000;

/** What {@link startWithCallbackUrl} asks of the started workflow's URLs. */
export interface CallbackUrlOptions {
  /** The workflow id; a random one by default. */
  workflowId?: string;
  /** What to do when `workflowId` is already running: `FAIL` (default) or `USE_EXISTING` (ask the running one for its URLs). */
  workflowIdConflictPolicy?: WorkflowIdConflictPolicy;
  /** Wait for the callback minted with this label; `url` is its URL. Default: the first URL minted. */
  label?: string;
  /** Wait until the workflow has minted at least this many URLs. Default 1. */
  count?: number;
  /** How long the workflow may take to mint them before the call fails with {@link CallbackUrlNotMintedError}. Default 1 minute. */
  urlTimeout?: Duration;
}

/** Options of {@link startWithCallbackUrl}: the workflow's start options (`taskQueue`, `args`, …) and {@link CallbackUrlOptions}. */
export type StartWithCallbackUrlOptions<W extends Workflow> = WithWorkflowArgs<W, Omit<WorkflowOptions, 'workflowId' | 'workflowIdConflictPolicy'> & CallbackUrlOptions>;

/** A started workflow and the callback URLs it minted: `url` is the one asked for, `callbacks` every one by label or id. */
export interface StartedWithCallbackUrl<W extends Workflow> extends PublishedCallbackUrls {
  /** The workflow; `await handle.result()` for its result. */
  handle: WorkflowHandle<W>;
}

/**
 * The started workflow did not hand over the URL asked for: it did not mint it within
 * `urlTimeout`, or it completed without minting it. The workflow may still be running: cancel or
 * terminate it through `client.workflow.getHandle(workflowId)` if it is no use without its URL.
 */
export class CallbackUrlNotMintedError extends Error {
  static readonly code = CALLBACK_URL_NOT_MINTED;
  readonly code = CALLBACK_URL_NOT_MINTED;
  override readonly name = 'CallbackUrlNotMintedError';
  constructor(
    message: string,
    readonly workflowId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Starts `workflow` and sends `update` in one round trip (update-with-start), answering with the
 * update's result and the workflow's handle. A failed update becomes the workflow's own failure
 * when the workflow ended before answering, and a {@link CallbackUrlNotMintedError} when it
 * answered `CALLBACK_URL_NOT_MINTED` or gave no answer within `abortAfterMs`.
 * @internal shared by {@link startWithCallbackUrl} and `startAwaitCallback`.
 */
export async function startWithUrlUpdate<W extends Workflow, Ret, Args extends unknown[]>(
  client: Client,
  startWorkflowOperation: WithStartWorkflowOperation<W>,
  update: UpdateDefinition<Ret, Args>,
  args: Args,
  abortAfterMs?: number,
): Promise<{ answer: Ret; handle: WorkflowHandle<W> }> {
  const { workflowId } = startWorkflowOperation.options;
  const execute = () => client.workflow.executeUpdateWithStart(update, { args, startWorkflowOperation } as Parameters<typeof client.workflow.executeUpdateWithStart<W, Ret, Args>>[1]);
  let answer: Ret;
  try {
    answer = abortAfterMs === undefined ? await execute() : await client.withAbortSignal(AbortSignal.timeout(abortAfterMs), execute);
  } catch (err) {
    if (abortAfterMs !== undefined && err instanceof Error && err.name === 'WorkflowUpdateRPCTimeoutOrCancelledError') {
      throw new CallbackUrlNotMintedError(`Workflow ${workflowId} gave no callback URL within ${abortAfterMs} ms; is a worker running on its task queue?`, workflowId, { cause: err });
    }
    if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    if ((err.cause as { type?: unknown } | undefined)?.type === CALLBACK_URL_NOT_MINTED) {
      throw new CallbackUrlNotMintedError(err.cause!.message, workflowId, { cause: err });
    }
    const handle = client.workflow.getHandle(workflowId);
    const { status } = await handle.describe();
    if (status.name === 'RUNNING') throw err;
    // The workflow ended before answering: its own failure says why, else it completed without a URL.
    await handle.result();
    throw new CallbackUrlNotMintedError(`Workflow ${workflowId} ended (${status.name}) without minting the callback URL asked for.`, workflowId, { cause: err });
  }
  return { answer, handle: await startWorkflowOperation.workflowHandle() };
}

/**
 * Starts any workflow that calls `publishCallbackUrls()` and returns its callback URL in the same
 * round trip (Temporal update-with-start): the workflow answers as soon as it has minted the URL
 * asked for (the first, the one labelled `label`, or the first `count`), so the caller never polls
 * a query. Hand `url` to the external system, then `await handle.result()`.
 *
 * @example
 * ```ts
 * const { url, callbacks, handle } = await startWithCallbackUrl(client, refundApproval, {
 *   taskQueue: 'refunds', args: [{ orderId }], label: 'approval',
 * });
 * ```
 * @throws {@link CallbackUrlNotMintedError} (`code` `CALLBACK_URL_NOT_MINTED`) when the workflow
 *   did not mint it within `urlTimeout` (default 1 minute) or completed without it; the SDK's
 *   `WorkflowFailedError` when the workflow failed first (its `cause` says why);
 *   `WorkflowExecutionAlreadyStartedError` when `workflowId` is running and the policy is `FAIL`;
 *   `WorkflowUpdateFailedError` when the workflow does not call `publishCallbackUrls()`.
 */
export async function startWithCallbackUrl<W extends Workflow>(client: Client, workflow: string | W, options: StartWithCallbackUrlOptions<W>): Promise<StartedWithCallbackUrl<W>> {
  const { label, count, urlTimeout, workflowId, workflowIdConflictPolicy, ...startOptions } = options;
  const timeoutMs = msToNumber(urlTimeout ?? DEFAULT_URL_TIMEOUT_MS);
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new TypeError(`urlTimeout must be a positive duration; got ${JSON.stringify(urlTimeout)}.`);
  const startWorkflowOperation = new WithStartWorkflowOperation<W>(workflow, {
    ...startOptions,
    workflowId: workflowId ?? `${typeof workflow === 'string' ? workflow : workflow.name}-${crypto.randomUUID()}`,
    workflowIdConflictPolicy: workflowIdConflictPolicy ?? 'FAIL',
  } as WithStartWorkflowOperation<W>['options']);
  const request = { ...(label === undefined ? {} : { label }), ...(count === undefined ? {} : { count }), timeoutMs };
  const { answer, handle } = await startWithUrlUpdate(client, startWorkflowOperation, callbackUrlsUpdate, [request], timeoutMs + CLIENT_GRACE_MS);
  return { ...answer, handle };
}
