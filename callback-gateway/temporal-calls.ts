import { WorkflowNotFoundError, isGrpcServiceError, type Client } from '@temporalio/client';
import type { CallbackClaims } from '../tokens/callback-token';
import { CallbackError } from '../protocol/errors';
import { refusing, type Refusals } from './contract/contract-parts';

/**
 * How the gateway calls Temporal: every call under a deadline, and every failure turned into the
 * one {@link CallbackError} a sender should see. The signal, update and query paths all answer a
 * failed Temporal call the same way, so the mapping lives here once.
 */

/** What a sender is told to wait before retrying when Temporal is unreachable. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * gRPC status codes (fixed by the gRPC spec) that mean "Temporal did not take it, try again
 * later": CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, UNAVAILABLE.
 */
const UNAVAILABLE_CODES = new Set<number>([1, 4, 8, 10, 14]);

/** gRPC's RESOURCE_EXHAUSTED: a server limit (e.g. updates in flight per workflow) was hit. */
const GRPC_RESOURCE_EXHAUSTED = 8;

/** `err` and its causes, the closest first (at most five deep). */
function* causesOf(err: unknown): Generator<unknown> {
  for (let current = err, depth = 0; current && depth < 5; current = (current as Error).cause, depth++) yield current;
}

/** The gRPC status code of `err` or of one of its causes, if any. */
function grpcCodeOf(err: unknown): number | undefined {
  for (const cause of causesOf(err)) if (isGrpcServiceError(cause)) return cause.code;
  return undefined;
}

/** True when Temporal refused a call because a payload is larger than the server's blob limit (`limit.blobSize.error`). */
export function isBlobTooLarge(err: unknown): boolean {
  for (const cause of causesOf(err)) if (cause instanceof Error && /blob data size exceeds limit|exceeds size limit/i.test(cause.message)) return true;
  return false;
}

/**
 * True when Temporal refused a call because a server limit was hit (gRPC RESOURCE_EXHAUSTED),
 * e.g. too many updates in flight for one workflow: a caller with another way to deliver (the
 * signal) can take it instead of refusing the sender.
 */
export function isResourceExhausted(err: unknown): boolean {
  return grpcCodeOf(err) === GRPC_RESOURCE_EXHAUSTED;
}

/**
 * Runs a Temporal call under a gRPC deadline of `timeoutMs`, so no request waits on Temporal
 * forever. The client retries unavailable errors within it and may sleep one backoff interval
 * past it before the last attempt fails at once; a timer racing the call would answer sooner but
 * leave that retry running after the answer (and after shutdown), so the deadline is the bound.
 */
export function withinDeadline<T>(client: Client, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  return client.connection.withDeadline(Date.now() + timeoutMs, call);
}

/** `TEMPORAL_UNAVAILABLE` (503, `Retry-After`): Temporal did not confirm, so the delivery may or may not be recorded. */
export function unavailable(cause: unknown): CallbackError {
  return new CallbackError(
    'TEMPORAL_UNAVAILABLE',
    'Temporal did not confirm the delivery in time, so it may not have been recorded. Retry later with the same Idempotency-Key: a delivery is applied once.',
    {
      cause,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    },
  );
}

/** What {@link classify} answers: `TEMPORAL_UNAVAILABLE` (with `Retry-After`) or `INTERNAL_ERROR`. */
export const CLASSIFIED_REFUSALS: Refusals = { TEMPORAL_UNAVAILABLE: ['Retry-After'], INTERNAL_ERROR: [] };

/** What {@link temporalCallError} answers: the {@link CLASSIFIED_REFUSALS}, or what became of the callback's workflow. */
export const TEMPORAL_CALL_REFUSALS: Refusals = { ...CLASSIFIED_REFUSALS, ...refusing('WORKFLOW_NOT_FOUND', 'WORKFLOW_CLOSED', 'EXECUTION_REPLACED') };

/** The {@link CallbackError} for a failed Temporal call that names no callback: `TEMPORAL_UNAVAILABLE` when a retry may succeed, else `INTERNAL_ERROR`. */
export function classify(err: unknown): CallbackError {
  const code = grpcCodeOf(err);
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return unavailable(err);
  if (code === undefined && err instanceof Error && /connect|connection|transport/i.test(err.message)) return unavailable(err);
  return new CallbackError('INTERNAL_ERROR', 'Temporal refused the delivery unexpectedly; it was not accepted.', { cause: err });
}

/** Which workflow a callback's deliveries go to: its id, and the execution chain its token names (if any). */
export type CallbackTarget = Pick<CallbackClaims, 'workflowId' | 'executionChain'>;

/**
 * Where a callback's execution chain stands: its latest run (`running` or `closed`), `replaced`
 * when the latest execution with the workflow id belongs to another chain (a later start that
 * reused the id), or `missing` when no execution with the id exists (any more).
 */
export type ChainHead = { kind: 'running' | 'closed'; runId: string } | { kind: 'replaced' } | { kind: 'missing' };

/** Asks Temporal where `target`'s chain stands: one describe of the latest run with its workflow id. */
export async function chainHead(client: Client, target: CallbackTarget, timeoutMs: number): Promise<ChainHead> {
  try {
    const description = await withinDeadline(client, timeoutMs, () => client.workflow.getHandle(target.workflowId).describe());
    const firstRunId = description.raw.workflowExecutionInfo?.firstRunId;
    if (target.executionChain && firstRunId && firstRunId !== target.executionChain) return { kind: 'replaced' };
    return { kind: description.status.name === 'RUNNING' ? 'running' : 'closed', runId: description.runId };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { kind: 'missing' };
    throw classify(err);
  }
}

/** The refusal for a chain that is not running, or undefined when it runs (a retry may reach it). */
export function chainRefusal(head: ChainHead, cause?: unknown): CallbackError | undefined {
  switch (head.kind) {
    case 'running':
      return undefined;
    case 'closed':
      return new CallbackError('WORKFLOW_CLOSED', 'The workflow waiting for this callback has already finished; the delivery was not accepted.', { cause });
    case 'replaced':
      return new CallbackError(
        'EXECUTION_REPLACED',
        'The workflow that minted this callback URL has finished, and a later execution reuses its workflow id; the URL does not reach that execution, so the delivery was not accepted.',
        { cause },
      );
    case 'missing':
      return new CallbackError('WORKFLOW_NOT_FOUND', 'The workflow this callback belongs to does not exist (it may have been deleted after its retention period).', {
        cause,
      });
  }
}

/**
 * The {@link CallbackError} for a failed Temporal call about `target`: `WORKFLOW_NOT_FOUND` (404),
 * `WORKFLOW_CLOSED` (410), `EXECUTION_REPLACED` (410), `TEMPORAL_UNAVAILABLE` (503, with
 * `Retry-After` {@link RETRY_AFTER_SECONDS}) or `INTERNAL_ERROR` (500). Telling these apart after
 * Temporal's "not found" takes one describe, bounded by `timeoutMs`.
 */
export async function temporalCallError(client: Client, target: CallbackTarget, err: unknown, timeoutMs: number): Promise<CallbackError> {
  if (!(err instanceof WorkflowNotFoundError)) return classify(err);
  const head = await chainHead(client, target, timeoutMs).catch((failure: unknown) => failure as CallbackError);
  if (head instanceof CallbackError) return head;
  // "Not found" while the chain runs: its head moved (continue-as-new) under the call; a retry reaches it.
  return chainRefusal(head, err) ?? unavailable(err);
}
