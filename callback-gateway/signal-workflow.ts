import { WorkflowNotFoundError, isGrpcServiceError, type Client } from '@temporalio/client';
import { CallbackError } from '../lib/errors';
import { deliverCallbackSignal } from '../workflows/protocol';
import type { CallbackDelivery } from '../workflows/types';

/** What a sender is told to wait before retrying when Temporal is unreachable. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * gRPC status codes (fixed by the gRPC spec) that mean "Temporal did not take it, try again
 * later": CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, UNAVAILABLE.
 */
const UNAVAILABLE_CODES = new Set<number>([1, 4, 8, 10, 14]);

/** gRPC's RESOURCE_EXHAUSTED: a server limit (e.g. updates in flight per workflow) was hit. */
export const GRPC_RESOURCE_EXHAUSTED = 8;

/** The gRPC status code of `err` or of one of its causes, if any. */
export function grpcCodeOf(err: unknown): number | undefined {
  for (let current = err, depth = 0; current && depth < 5; current = (current as Error).cause, depth++) {
    if (isGrpcServiceError(current)) return current.code;
  }
  return undefined;
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

/**
 * Runs a Temporal call under a gRPC deadline of `timeoutMs`, so no request waits on Temporal
 * forever. The client retries unavailable errors within it and may sleep one backoff interval
 * past it before the last attempt fails at once; a timer racing the call would answer sooner but
 * leave that retry running after the answer (and after shutdown), so the deadline is the bound.
 */
export function withinDeadline<T>(client: Client, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  return client.connection.withDeadline(Date.now() + timeoutMs, call);
}

async function notFoundOrClosed(client: Client, workflowId: string, timeoutMs: number, cause: unknown): Promise<CallbackError> {
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

function classify(err: unknown): CallbackError {
  const code = grpcCodeOf(err);
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return unavailable(err);
  if (code === undefined && err instanceof Error && /connect|connection|transport/i.test(err.message)) return unavailable(err);
  return new CallbackError('INTERNAL_ERROR', 'Temporal refused the delivery unexpectedly; it was not accepted.', { cause: err });
}

/**
 * Signals `delivery` to the workflow by id (latest run, so it follows continue-as-new). Resolves
 * only once Temporal has durably recorded the signal; otherwise throws a {@link CallbackError}:
 * `WORKFLOW_NOT_FOUND`, `WORKFLOW_CLOSED`, `TEMPORAL_UNAVAILABLE` (with `Retry-After`) or
 * `INTERNAL_ERROR`.
 */
export async function signalWorkflow(client: Client, workflowId: string, delivery: CallbackDelivery, timeoutMs: number): Promise<void> {
  try {
    await withinDeadline(client, timeoutMs, () => client.workflow.getHandle(workflowId).signal(deliverCallbackSignal, delivery));
  } catch (err) {
    throw await temporalCallError(client, workflowId, err, timeoutMs);
  }
}

/**
 * The {@link CallbackError} for a failed Temporal call about `workflowId`: `WORKFLOW_NOT_FOUND`,
 * `WORKFLOW_CLOSED`, `TEMPORAL_UNAVAILABLE` (with `Retry-After`) or `INTERNAL_ERROR`.
 */
export async function temporalCallError(client: Client, workflowId: string, err: unknown, timeoutMs: number): Promise<CallbackError> {
  if (err instanceof WorkflowNotFoundError) return notFoundOrClosed(client, workflowId, timeoutMs, err);
  return classify(err);
}
