import type { Request, RequestHandler } from 'express';
import * as z from 'zod';
import type { CallbackClaims } from '../../tokens/callback-token';
import { CallbackError } from '../../protocol/errors';
import { callbackStatusQuery } from '../../protocol/definitions';
import type { CallbackStatusReport } from '../../protocol/callback-messages';
import { DELIVERY_ID_PATTERN, MAX_DELIVERY_ID_LENGTH } from '../build-delivery';
import { lastRunOf } from '../chain-history';
import type { ExecutionChains } from '../execution-chain';
import { SIGNATURE_REFUSALS } from '../middleware/check-callback-signature';
import { SIGNED_TIMESTAMP_TOLERANCE_SECONDS } from '../signed-timestamp';
import { optionalText, refusing, type ContractPart } from '../contract/contract-parts';
import type { CallbackStatusResponse } from '../contract/schemas';
import { RECEIPT_REFUSALS, receiptInHistories, receiptUnavailable } from '../receipts';
import { authenticated, requestState } from '../request-state';
import { chainHead, chainRefusal, CLASSIFIED_REFUSALS, withinDeadline, type ChainHead } from '../temporal-calls';

/** The query parameter naming the delivery whose outcome is asked for. */
export const DELIVERY_ID_QUERY_PARAM = 'deliveryId';

/** `?deliveryId=`: the document's parameter, and the rule {@link requestedDeliveryId} applies. */
const DELIVERY_ID_QUERY = z.string().min(1).max(MAX_DELIVERY_ID_LENGTH).regex(DELIVERY_ID_PATTERN).optional().meta({
  param: {
    description:
      "A delivery id (a sender's `Idempotency-Key` or `webhook-id`) whose outcome to report. For a callback that requires a signature, only with that delivery's signature (`webhook-id` the same id, over an empty body).",
  },
});

/** A Standard Webhooks header the status route reads only to prove a signed callback's `?deliveryId=`. */
const proofHeader = (description: string) => optionalText(`For a callback that requires a signature, with \`?${DELIVERY_ID_QUERY_PARAM}=\`: ${description} Ignored otherwise.`);

/** What {@link proveDeliveryId} reads and refuses: the signature check's refusals, and a signature for another delivery. */
export const PROVE_DELIVERY_ID_PART: ContractPart = {
  query: { [DELIVERY_ID_QUERY_PARAM]: DELIVERY_ID_QUERY },
  headers: {
    'webhook-id': proofHeader(`the delivery id asked about (another: 400 \`DELIVERY_ID_MISMATCH\`).`),
    'webhook-timestamp': proofHeader(`the signing time, Unix seconds, within ${SIGNED_TIMESTAMP_TOLERANCE_SECONDS} s of the gateway's clock.`),
    'webhook-signature': proofHeader('Standard Webhooks signatures (`v1,<base64>`, space-separated) over `id.timestamp.` (an empty body), as the sender signs its deliveries.'),
  },
  refusals: { ...SIGNATURE_REFUSALS, ...refusing('INVALID_DELIVERY_ID', 'DELIVERY_ID_MISMATCH') },
};

/**
 * What {@link callbackStatus} reads and refuses: an unusable `?deliveryId=`, a workflow that is
 * gone (a closed or replaced one is described, not refused), Temporal unreachable, and a
 * delivery's outcome that could not be read in time.
 */
export const CALLBACK_STATUS_PART: ContractPart = {
  query: { [DELIVERY_ID_QUERY_PARAM]: DELIVERY_ID_QUERY },
  refusals: { ...refusing('INVALID_DELIVERY_ID', 'WORKFLOW_NOT_FOUND'), ...CLASSIFIED_REFUSALS, ...RECEIPT_REFUSALS },
};

/** Every route a delivery can take. */
const ALL_ACTIONS: CallbackStatusResponse['accepts']['actions'] = ['complete', 'fail', 'heartbeat'];

function requestedDeliveryId(query: unknown): string | undefined {
  const value = (query as Record<string, unknown>)[DELIVERY_ID_QUERY_PARAM];
  if (value === undefined) return undefined;
  const parsed = DELIVERY_ID_QUERY.safeParse(value);
  if (!parsed.success) {
    throw new CallbackError('INVALID_DELIVERY_ID', `?${DELIVERY_ID_QUERY_PARAM}= must be 1 to ${MAX_DELIVERY_ID_LENGTH} visible ASCII characters.`);
  }
  return parsed.data;
}

/**
 * The routes a delivery would be taken on now. The workflow's own status when it answered; when
 * no worker answered while the chain runs, every route, since a delivery would be recorded
 * (`202`) and applied once a worker runs, as far as anyone can know without one. None once the
 * chain is closed or replaced, or when the workflow does not know the callback (it would drop it).
 */
function actionsNow(workflow: CallbackStatusResponse['workflow'], report: CallbackStatusReport | null | undefined, replaced: boolean): CallbackStatusResponse['accepts']['actions'] {
  if (workflow !== 'running' || report === null || replaced) return [];
  if (report === undefined || report.status === 'pending') return ALL_ACTIONS;
  return [];
}

/** True when the workflow's current link for the callback is newer than the token's: the URL was reissued. */
export function linkReplaced(claims: Pick<CallbackClaims, 'link'>, current: number | undefined): boolean {
  return (claims.link ?? 0) < (current ?? 0);
}

/** What the token alone says the URL takes, with the actions a delivery would be taken on now. */
function accepts(claims: CallbackClaims, actions: CallbackStatusResponse['accepts']['actions']): CallbackStatusResponse['accepts'] {
  return {
    actions,
    methods: claims.allowGet ? ['POST', 'PUT', 'GET'] : ['POST', 'PUT'],
    apiKey: claims.requiresApiKey,
    signature: claims.signatureSender !== undefined,
  };
}

/**
 * For a callback created with `requireSignature`, `?deliveryId=` is answered only to a request
 * that proves it comes from the sender, as a delivery must: a Standard Webhooks signature (by
 * `checkSignature`, the deliveries' own check) over an empty body, whose signed `webhook-id` is the
 * delivery id asked about. Without it, whoever holds the bare URL could learn whether a guessed
 * delivery id was applied. Refused with the codes a delivery gets: `401 SIGNATURE_MISSING`,
 * `SIGNATURE_INVALID`, `SIGNATURE_TIMESTAMP_INVALID`, `400 DELIVERY_ID_MISMATCH` (signed for
 * another id), `503 SIGNATURE_SENDER_NOT_CONFIGURED`. The callback's own status, without
 * `?deliveryId=`, needs no signature: it tells no more than the token and the API key admit to.
 * Other callbacks pass. Runs after authentication (token and any API key).
 */
export function proveDeliveryId(checkSignature: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const deliveryId = requestedDeliveryId(req.query);
    if (deliveryId === undefined || authenticated(res).claims.signatureSender === undefined) return next();
    checkSignature(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (req.get('webhook-id') !== deliveryId) {
        return next(
          new CallbackError('DELIVERY_ID_MISMATCH', `The signed webhook-id must be the delivery id asked about (?${DELIVERY_ID_QUERY_PARAM}=), signed over an empty body.`),
        );
      }
      next();
    });
  };
}

/** The status query's answer from the run heading the chain, within the short query deadline; undefined when no worker answered. */
async function askWorkflow(chains: ExecutionChains, claims: CallbackClaims, head: ChainHead, deliveryId: string | undefined, queryTimeoutMs: number) {
  if (head.kind !== 'running' && head.kind !== 'closed') return undefined;
  const { client } = chains;
  // A closed run answers too when a worker can replay it; while no worker runs, nothing answers.
  return withinDeadline(client, queryTimeoutMs, () =>
    client.workflow.getHandle(claims.workflowId, head.runId).query(callbackStatusQuery, claims.callbackId, deliveryId),
  ).catch(() => undefined);
}

/** The delivery's outcome as the chain's histories tell it: `applied` (a completed update), `recorded` (a signal) or `unknown` (no run holds it). */
async function deliveryFromHistory(
  chains: ExecutionChains,
  claims: CallbackClaims,
  head: ChainHead,
  deliveryId: string,
  deadline: number,
): Promise<NonNullable<CallbackStatusResponse['delivery']>> {
  let lastRunId: string | undefined;
  try {
    lastRunId = await lastRunOf(chains.client, claims, head, deadline);
  } catch (err) {
    throw receiptUnavailable(err);
  }
  const receipt = lastRunId ? await receiptInHistories(chains.client, claims, lastRunId, { callbackId: claims.callbackId, deliveryId }, deadline) : undefined;
  return { deliveryId, outcome: receipt?.kind === 'update' ? 'applied' : receipt ? 'recorded' : 'unknown' };
}

/**
 * `GET /callbacks/:token/status`: what the callback is (its status and expiry, whether its
 * execution chain still runs, whether this URL is its current link or was reissued since), what it takes (actions, methods, credentials, the JSON Schema of
 * its data) and, with `?deliveryId=`, what became of that delivery.
 *
 * Where the chain stands comes from one describe, which needs no worker. The callback's status,
 * schema and a delivery's outcome come from the workflow's `durableCallbacks.status` query on the
 * run heading the chain, which only a worker answers: it gets `queryTimeoutMs` (default 1 s), not
 * the delivery timeout, so while no worker runs the URL still answers within about a second, with
 * status `unknown` and, for a running chain, every action (a delivery would be recorded, `202`).
 * A delivery's outcome the workflow did not give is read from the chain's histories, newest run
 * first (`applied` for a completed update, `recorded` for a signal, `unknown` when no run holds
 * it), within `timeoutMs`; if they cannot be read through in time, `503 RECEIPT_UNAVAILABLE`
 * rather than an `unknown` that may be untrue.
 *
 * Needs the credentials a delivery needs: the API key (checked by authentication, in front) and,
 * for a signed callback asked about a delivery, that delivery's signature ({@link proveDeliveryId}).
 * Safe for link previews and crawlers: it never delivers anything.
 */
export function callbackStatus({ chains, timeoutMs, queryTimeoutMs }: { chains: ExecutionChains; timeoutMs: number; queryTimeoutMs: number }): RequestHandler {
  return async (req: Request, res) => {
    const { claims } = authenticated(res);
    const deliveryId = requestedDeliveryId(req.query);
    if (deliveryId !== undefined) requestState(res).deliveryId = deliveryId;
    const deadline = Date.now() + timeoutMs;
    const head = await chainHead(chains.client, claims, timeoutMs);
    if (head.kind === 'missing') throw chainRefusal(head);
    const workflow = head.kind;
    const report: CallbackStatusReport | null | undefined = await askWorkflow(chains, claims, head, deliveryId, queryTimeoutMs);
    let delivery: CallbackStatusResponse['delivery'] = report?.delivery;
    if (deliveryId !== undefined && !delivery) delivery = await deliveryFromHistory(chains, claims, head, deliveryId, deadline);
    const replaced = report ? linkReplaced(claims, report.link) : false;
    const body: CallbackStatusResponse = {
      callbackId: claims.callbackId,
      workflow,
      status: report?.status ?? 'unknown',
      expiresAt: claims.expiresAt.toISOString(),
      ...(report ? { link: replaced ? ('replaced' as const) : ('current' as const) } : {}),
      accepts: accepts(claims, actionsNow(workflow, report, replaced)),
      schema: report?.schema ?? null,
      ...(delivery ? { delivery } : {}),
    };
    res.set('Cache-Control', 'no-store').json(body);
  };
}
