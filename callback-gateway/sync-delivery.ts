import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import type { Request } from 'express';
import * as z from 'zod';
import { CallbackError } from '../protocol/errors';
import { deliverCallbackUpdate, isWorkflowRefusalCode, WORKFLOW_REFUSALS, type WorkflowRefusalCode } from '../protocol/definitions';
import type { CallbackDelivery, DeliveryKind, PayloadIssue, SyncDeliveryResult } from '../protocol/callback-messages';
import type { ExecutionChains } from './execution-chain';
import { optionalText, refusing, type ContractPart } from './contract/contract-parts';
import { isResourceExhausted, temporalCallError, withinDeadline, type CallbackTarget } from './temporal-calls';

/** The query parameter that asks for a synchronous answer, for senders that cannot set `Prefer`. */
export const WAIT_QUERY_PARAM = 'wait';

/** The longest synchronous wait a sender may ask for. */
export const MAX_SYNC_WAIT_SECONDS = 30;

/** What the workflow refuses a synchronous delivery of each kind with (its judge, in workflows/callback-registry.ts). */
const WORKFLOW_REFUSALS_BY_KIND: Record<DeliveryKind, readonly WorkflowRefusalCode[]> = {
  complete: [
    'CALLBACK_ALREADY_COMPLETED',
    'CALLBACK_CLOSED',
    'CALLBACK_LINK_REPLACED',
    'CALLBACK_UNKNOWN',
    'PAYLOAD_INVALID',
    // An approval's vote (requestApproval): the workflow's rules, checked by its update validator before anything is recorded.
    'VOTE_INVALID',
    'APPROVER_NOT_IDENTIFIED',
    'APPROVER_NOT_ELIGIBLE',
    'SELF_APPROVAL_FORBIDDEN',
    'SIGN_IN_TOO_OLD',
    'ACTION_CHANGED',
    'COMMENT_REQUIRED',
    // A hand-off of an approval to a delegate, and a delegate's vote.
    'DELEGATED_AWAY',
    'DELEGATION_CHAIN_FORBIDDEN',
    'DELEGATE_NOT_ELIGIBLE',
  ],
  fail: ['CALLBACK_CLOSED', 'CALLBACK_LINK_REPLACED', 'CALLBACK_UNKNOWN', 'INVALID_FAILURE_REPORT'],
  heartbeat: ['CALLBACK_CLOSED', 'CALLBACK_LINK_REPLACED', 'CALLBACK_UNKNOWN'],
};

const WAIT_QUERY_SCHEMA = z.int().min(1).max(999_999).optional().meta({
  param: {
    description: `Synchronous mode, for senders that cannot set \`Prefer\`: wait up to this many seconds (at most ${MAX_SYNC_WAIT_SECONDS} are used) for the workflow's answer. Anything but a whole number of 1 or more: 400 \`INVALID_WAIT\`.`,
  },
});

const PREFER_HEADER_SCHEMA = optionalText(`\`wait=N\` (RFC 7240): as \`?${WAIT_QUERY_PARAM}=N\`. Ignored when it does not parse.`);

/**
 * What synchronous mode reads ({@link requestedWaitSeconds}) and refuses on a `kind` route: an
 * unusable `?wait=`, and the workflow's own refusals ({@link deliverSync}; its failed Temporal
 * calls are the delivery's).
 */
export function syncDeliveryPart(kind: DeliveryKind): ContractPart {
  return {
    query: { [WAIT_QUERY_PARAM]: WAIT_QUERY_SCHEMA },
    headers: { Prefer: PREFER_HEADER_SCHEMA },
    refusals: refusing('INVALID_WAIT', ...WORKFLOW_REFUSALS_BY_KIND[kind]),
  };
}

/**
 * The synchronous wait a request asks for, in seconds: `Prefer: wait=N` (RFC 7240) or
 * `?wait=N`, capped at {@link MAX_SYNC_WAIT_SECONDS}; undefined for the default asynchronous mode.
 * An unparseable `Prefer` is ignored, as RFC 7240 asks; an unparseable `?wait=` is an error.
 */
export function requestedWaitSeconds(req: Request): number | undefined {
  const query = (req.query as Record<string, unknown>)[WAIT_QUERY_PARAM];
  if (query !== undefined) {
    const seconds = typeof query === 'string' && /^\d{1,6}$/.test(query) ? Number(query) : NaN;
    if (!Number.isInteger(seconds) || seconds < 1) throw new CallbackError('INVALID_WAIT', `?wait= must be a whole number of seconds from 1 to ${MAX_SYNC_WAIT_SECONDS}.`);
    return Math.min(seconds, MAX_SYNC_WAIT_SECONDS);
  }
  const prefer = req.get('prefer');
  const match = prefer && /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(prefer);
  if (!match) return undefined;
  const seconds = Number(match[1]);
  return seconds >= 1 ? Math.min(seconds, MAX_SYNC_WAIT_SECONDS) : undefined;
}

/** The update id of a synchronous delivery: one per callback and delivery id, so Temporal dedupes retries too. */
export function syncUpdateId(delivery: Pick<CallbackDelivery, 'callbackId' | 'deliveryId'>): string {
  return `${delivery.callbackId}/${delivery.deliveryId}`;
}

/**
 * The workflow's result as an answer to `delivery`: a result Temporal stored for an earlier
 * request with the same update id (it answers repeats so, also after the workflow closed) is a
 * `duplicate`.
 */
export function answeredTo(result: SyncDeliveryResult, delivery: Pick<CallbackDelivery, 'receivedAt'>): SyncDeliveryResult {
  const repeat = result.receivedAt !== undefined && result.receivedAt !== delivery.receivedAt;
  return repeat ? { ...result, outcome: 'duplicate' } : result;
}

/**
 * Delivers through a Temporal update, so the workflow itself says whether it took the delivery.
 * Returns the workflow's answer, or `undefined` when no worker answered within `waitSeconds` (the
 * caller then falls back to the durable signal; the delivery id keeps that safe). Refusals by the
 * workflow become {@link CallbackError}s: 409, 410 or 422.
 */
export async function deliverSync(
  chains: ExecutionChains,
  target: CallbackTarget,
  delivery: CallbackDelivery,
  waitSeconds: number,
): Promise<SyncDeliveryResult | undefined> {
  const { client } = chains;
  try {
    const result = await chains.call(target, waitSeconds * 1000, (handle) =>
      withinDeadline(client, waitSeconds * 1000, () =>
        handle.executeUpdate(deliverCallbackUpdate, { args: [delivery], updateId: syncUpdateId(delivery) }),
      ),
    );
    return answeredTo(result, delivery);
  } catch (err) {
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return undefined;
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause as { type?: string; details?: unknown[] } | undefined;
      if (isWorkflowRefusalCode(cause?.type)) {
        const issues = Array.isArray(cause.details?.[0]) ? (cause.details[0] as PayloadIssue[]) : undefined;
        throw new CallbackError(cause.type, WORKFLOW_REFUSALS[cause.type], { cause: err, ...(issues ? { issues } : {}) });
      }
    }
    // Too many updates in flight for this workflow: the signal path still takes the delivery.
    if (isResourceExhausted(err)) return undefined;
    throw await temporalCallError(client, target, err, waitSeconds * 1000);
  }
}
