import * as z from 'zod';
import { ERROR_STATUS, type CallbackErrorCode } from '../../lib/errors';
import { failureReportSchema } from '../../workflows/protocol';
import type { CallbackStatus, SyncDeliveryResult } from '../../workflows/types';

/**
 * The JSON bodies the gateway reads and writes, as zod schemas: the OpenAPI document is
 * generated from them (`build-openapi-document.ts`), and their types are what gateway code
 * can write. Response bodies are strict objects: the gateway writes exactly these fields.
 */

const ERROR_CODES = Object.keys(ERROR_STATUS) as [CallbackErrorCode, ...CallbackErrorCode[]];

/** Every stable error code, from the one code-to-status table in `lib/errors.ts`. */
export const errorCodeSchema = z.enum(ERROR_CODES).describe('Why the request was refused; each code has one HTTP status.');

/** One way a payload failed the callback's schema (`PAYLOAD_INVALID`). */
export const errorIssueSchema = z.strictObject({ path: z.string(), message: z.string() }).describe('One way the payload fails the callback\'s schema.');

/** Every refusal: `{"error":{"code","message"}}`, with `issues` for `PAYLOAD_INVALID`. */
export const errorResponseSchema = z.strictObject({
  error: z.strictObject({
    code: errorCodeSchema,
    message: z.string().min(1),
    issues: z.array(errorIssueSchema).optional(),
  }),
}).describe('A refusal. Branch on `error.code`; `message` is for people.');

/** The error codes that `ERROR_STATUS` maps to `status`, in its order. */
export function codesWithStatus(status: number): CallbackErrorCode[] {
  return ERROR_CODES.filter((code) => ERROR_STATUS[code] === status);
}

/** A refusal with `status`: {@link errorResponseSchema}, its `code` narrowed to the codes of that status. */
export function errorResponseWithStatus(status: number) {
  const codes = codesWithStatus(status);
  if (codes.length === 0) throw new Error(`no error code has status ${status}`);
  return z.intersection(errorResponseSchema, z.object({ error: z.object({ code: z.enum(codes as [CallbackErrorCode, ...CallbackErrorCode[]]) }) }));
}

/** `202`: Temporal durably recorded the delivery. */
export const acceptedResponseSchema = z.strictObject({
  status: z.literal('accepted'),
  callbackId: z.string(),
  deliveryId: z.string(),
}).describe('Temporal durably recorded the delivery; the workflow applies each delivery id once.');

// Written out as objects keyed by the unions they list, so a new member does not compile until listed here.
const OUTCOMES: { [outcome in SyncDeliveryResult['outcome']]: outcome } = { accepted: 'accepted', duplicate: 'duplicate' };
const CALLBACK_STATUSES: { [status in CallbackStatus]: status } = {
  pending: 'pending',
  completed: 'completed',
  failed: 'failed',
  timed_out: 'timed_out',
  revoked: 'revoked',
};

/** `200` in synchronous mode: the workflow took the delivery and answered. */
export const answeredResponseSchema = z.strictObject({
  status: z.enum(OUTCOMES).describe('`duplicate`: this delivery id was already applied.'),
  callbackId: z.string(),
  deliveryId: z.string(),
  callbackStatus: z.enum(CALLBACK_STATUSES).describe("The callback's status after the delivery."),
  reply: z.unknown().describe("The workflow's reply for this delivery, or null."),
}).describe("The workflow's own answer (synchronous mode).");

/** `GET /healthz`. */
export const healthResponseSchema = z.strictObject({ status: z.literal('ok') });

/** `GET /readyz` when Temporal answers. */
export const readyResponseSchema = z.strictObject({ status: z.literal('ready'), temporal: z.literal('reachable') });

/** `GET /readyz` when Temporal does not answer. */
export const unreadyResponseSchema = z.strictObject({ status: z.literal('unready'), temporal: z.literal('unreachable') });

/** `GET /openapi.json`: an OpenAPI 3.1 document. */
export const openApiResponseSchema = z.object({ openapi: z.string() }).describe('This document.');

/** A JSON callback body: any JSON value. */
export const jsonBodySchema = z.unknown().describe('Any JSON value; the workflow receives it as `data`.');

/** A form body (`application/x-www-form-urlencoded`), as the workflow receives it: a repeated name gives a list. */
export const formBodySchema = z.record(z.string(), z.union([z.string(), z.array(z.string())])).describe('Form fields; a repeated name gives a list.');

/** The body of a `fail` report; the gateway and the workflow check it with the same schema. */
export { failureReportSchema };

/** A text body or answer (`text/*`, `text/plain`, `text/html`). */
export const textSchema = z.string();

export type ErrorResponse = z.infer<typeof errorResponseSchema>;
export type AcceptedResponse = z.infer<typeof acceptedResponseSchema>;
export type AnsweredResponse = z.infer<typeof answeredResponseSchema>;
export type HealthResponse = z.infer<typeof healthResponseSchema>;
export type ReadyResponse = z.infer<typeof readyResponseSchema>;
export type UnreadyResponse = z.infer<typeof unreadyResponseSchema>;
