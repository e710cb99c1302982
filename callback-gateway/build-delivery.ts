import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import * as z from 'zod';
import { CallbackError } from '../protocol/errors';
import type { CallbackDelivery, CallbackMethod, DeliveryKind } from '../protocol/callback-messages';
import type { StandingDelegation, VerifiedApprover } from '../protocol/approval-messages';
import { API_KEY_QUERY_PARAM } from './middleware/authenticate';
import { optionalText, refusing, type ContractPart } from './contract/contract-parts';
import { formBodySchema } from './contract/schemas';
import { WAIT_QUERY_PARAM } from './sync-delivery';

/** Headers never forwarded to the workflow: credentials, and framing that means nothing there. */
const DROPPED_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'content-length',
]);

/** Any header whose name suggests a credential is dropped too: workflow history is widely readable. */
const SENSITIVE_HEADER = /auth|token|secret|signature|passw|api[-_]?key|cookie|session/i;

/**
 * Query parameters never forwarded to the workflow, matched case-insensitively: the API key's own
 * parameter and the names senders commonly put secrets under. Workflow history is widely
 * readable, and for a GET delivery the query is the data, so these names are dropped from both.
 * Exact names only: a pattern (as for headers) would also drop ordinary data such as `author`.
 */
export const SECRET_QUERY_PARAMS: readonly string[] = [
  API_KEY_QUERY_PARAM,
  'access_token',
  'token',
  'signature',
  'sig',
  'password',
  'secret',
  'key',
  'apikey',
];

const SECRET_QUERY_NAMES = new Set(SECRET_QUERY_PARAMS.map((name) => name.toLowerCase()));

/** True when a query parameter named `name` is one of {@link SECRET_QUERY_PARAMS}, in any letter case. */
function isSecretQueryParam(name: string): boolean {
  return SECRET_QUERY_NAMES.has(name.toLowerCase());
}

/** The longest accepted `Idempotency-Key` / `webhook-id`. */
export const MAX_DELIVERY_ID_LENGTH = 255;

/** What a delivery id is made of: visible ASCII characters. */
export const DELIVERY_ID_PATTERN = /^[\x21-\x7e]+$/;

/** The headers worth handing to the workflow. */
export function forwardedHeaders(req: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || DROPPED_HEADERS.has(name) || SENSITIVE_HEADER.test(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * The request's query parameters, minus the secret-looking ones ({@link SECRET_QUERY_PARAMS})
 * and the synchronous-mode `wait`: what the workflow gets as `query`, and as `data` for a GET.
 */
export function forwardedQuery(req: Request): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.query as Record<string, unknown>)) {
    if (name === WAIT_QUERY_PARAM || isSecretQueryParam(name)) continue;
    if (typeof value === 'string') query[name] = value;
    else if (Array.isArray(value)) query[name] = value.filter((item): item is string => typeof item === 'string');
  }
  return query;
}

/**
 * The delivery id: the sender's `Idempotency-Key`, else its `webhook-id` (Standard Webhooks),
 * else a fresh UUID. The workflow applies each id once, so a sender's retry is harmless.
 *
 * For a callback that requires a signature (`signed`), the id is the signed `webhook-id` alone:
 * the signature covers it, so a captured request replayed, even with a fresh `Idempotency-Key`,
 * is the same delivery and changes nothing. An `Idempotency-Key` that disagrees with it is refused.
 */
export function deliveryIdOf(req: Request, signed = false): string {
  const idempotencyKey = req.get('idempotency-key');
  const webhookId = req.get('webhook-id');
  if (signed && idempotencyKey !== undefined && idempotencyKey.trim() !== webhookId?.trim()) {
    throw new CallbackError(
      'DELIVERY_ID_MISMATCH',
      'This callback requires a signature, so its delivery id is the signed webhook-id; send Idempotency-Key equal to it, or leave Idempotency-Key out.',
    );
  }
  const given = signed ? webhookId : (idempotencyKey ?? webhookId);
  if (given === undefined) return randomUUID();
  const id = given.trim();
  if (id.length === 0 || id.length > MAX_DELIVERY_ID_LENGTH || !DELIVERY_ID_PATTERN.test(id)) {
    throw new CallbackError(
      'INVALID_DELIVERY_ID',
      `Idempotency-Key / webhook-id must be 1 to ${MAX_DELIVERY_ID_LENGTH} visible ASCII characters.`,
    );
  }
  return id;
}

/** Everything the workflow learns about one request. */
export interface DeliveryParts {
  callbackId: string;
  kind: DeliveryKind;
  deliveryId: string;
  contentType: string | null;
  data: unknown;
  apiKeyId?: string;
  /** For a vote: who the gateway identified (or the link holder) and the digest the token binds. */
  approver?: VerifiedApprover;
  actionDigest?: string;
  /** For a signed-in vote: the out-of-office delegations the voter holds, read by the gateway. */
  standingDelegations?: StandingDelegation[];
  /** The link generation of the verified token (`CallbackClaims.link`), never from the request's body; `null` for the inbox's votes, which come through no link. */
  link?: number | null;
}

/**
 * `webhook-id`, which {@link deliveryIdOf} and the signature check both read. Not required, and
 * without a format: a callback that needs no signature ignores it beside an `Idempotency-Key`.
 */
export const WEBHOOK_ID_HEADER = optionalText(
  'Standard Webhooks message id: the delivery id when there is no `Idempotency-Key`; for a callback that requires a signature, always, and signed with the body.',
);

/** What a delivery reads beside its body ({@link deliveryIdOf}, {@link forwardedQuery}) and refuses. */
export const DELIVERY_PART: ContractPart = {
  headers: {
    'Idempotency-Key': z.string().min(1).max(MAX_DELIVERY_ID_LENGTH).regex(DELIVERY_ID_PATTERN).optional().meta({
      param: { description: 'The delivery id, naming the event: a delivery id is applied once, so retries are safe. Default: `webhook-id`, else a new id.' },
    }),
    'webhook-id': WEBHOOK_ID_HEADER,
  },
  query: {
    fields: formBodySchema.optional().meta({
      param: {
        description: `Other query parameters reach the workflow as the delivery's \`query\`; for a GET they are its data. Never forwarded: \`${WAIT_QUERY_PARAM}\`, and, in any letter case, ${SECRET_QUERY_PARAMS.map((name) => `\`${name}\``).join(', ')}.`,
        style: 'form',
        explode: true,
      },
    }),
  },
  refusals: refusing('INVALID_DELIVERY_ID', 'DELIVERY_ID_MISMATCH'),
};

/** Assembles the signal payload for a request whose token, key and body have been checked. */
export function buildDelivery(req: Request, parts: DeliveryParts): CallbackDelivery {
  const query = forwardedQuery(req);
  return {
    callbackId: parts.callbackId,
    deliveryId: parts.deliveryId,
    kind: parts.kind,
    method: req.method as CallbackMethod,
    contentType: parts.contentType,
    // A GET has no body: its query parameters are the data, by the same rule as `query`.
    data: req.method === 'GET' ? query : parts.data,
    query,
    headers: forwardedHeaders(req),
    receivedAt: new Date().toISOString(),
    ...(parts.apiKeyId ? { apiKeyId: parts.apiKeyId } : {}),
    ...(parts.approver ? { approver: parts.approver } : {}),
    ...(parts.actionDigest ? { actionDigest: parts.actionDigest } : {}),
    ...(parts.standingDelegations?.length ? { standingDelegations: parts.standingDelegations } : {}),
    ...(parts.link || parts.link === null ? { link: parts.link } : {}),
  };
}
