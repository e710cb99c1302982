import { WorkflowNotFoundError, isGrpcServiceError, type Client } from '@temporalio/client';
import { CallbackError } from '../lib/errors';

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

/** The gRPC status code of `err` or of one of its causes, if any. */
function grpcCodeOf(err: unknown): number | undefined {
  for (let current = err, depth = 0; current && depth < 5; current = (current as Error).cause, depth++) {
    if (isGrpcServiceError(current)) return current.code;
  }
  return undefined;
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

function unavailable(cause: unknown): CallbackError {
  return new CallbackError(
    'TEMPORAL_UNAVAILABLE',
    'Temporal did not confirm the delivery in time, so it may not have been recorded. Retry later with the same Idempotency-Key: a delivery is applied once.',
    {
      cause,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    },
  );
}

function classify(err: unknown): CallbackError {
  const code = grpcCodeOf(err);
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return unavailable(err);
  if (code === undefined && err instanceof Error && /connect|connection|transport/i.test(err.message)) return unavailable(err);
  return new CallbackError('INTERNAL_ERROR', 'Temporal refused the delivery unexpectedly; it was not accepted.', { cause: err });
}

async function notFoundOrClosed(client: Client, workflowId: string, timeoutMs: number, cause: unknown): Promise<CallbackError> {
  // Temporal answers "not found" for a closed run too; only its description tells the two apart.
  try {
    const description = await withinDeadline(client, timeoutMs, () => client.workflow.getHandle(workflowId).describe());
    if (description.status.name !== 'RUNNING') {
      return new CallbackError('WORKFLOW_CLOSED', 'The workflow waiting for this callback has already finished; the delivery was not accepted.', { cause });
    }
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) return classify(err);
  }
  return new CallbackError('WORKFLOW_NOT_FOUND', 'The workflow this callback belongs to does not exist (it may have been deleted after its retention period).', {
    cause,
  });
}

/**
 * The {@link CallbackError} for a failed Temporal call about `workflowId`: `WORKFLOW_NOT_FOUND`
 * (404), `WORKFLOW_CLOSED` (410), `TEMPORAL_UNAVAILABLE` (503, with `Retry-After`
 * {@link RETRY_AFTER_SECONDS}) or `INTERNAL_ERROR` (500). Telling "closed" from "not found" takes
 * one more call, bounded by `timeoutMs`.
 */
export async function temporalCallError(client: Client, workflowId: string, err: unknown, timeoutMs: number): Promise<CallbackError> {
  if (err instanceof WorkflowNotFoundError) return notFoundOrClosed(client, workflowId, timeoutMs, err);
  return classify(err);
}
