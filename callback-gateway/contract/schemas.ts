import * as z from 'zod';
import { ERROR_STATUS, type CallbackErrorCode } from '../../protocol/errors';
import { WORKFLOW_REFUSALS, type WorkflowRefusalCode } from '../../protocol/definitions';
import type { CallbackStatus, DeliveryKind, DeliveryOutcome, SyncDeliveryResult } from '../../protocol/callback-messages';

/**
 * The bodies the gateway reads and writes, as zod schemas: the routes declare their contracts
 * with them (the OpenAPI document is generated from those), and handlers type what they write
 * with their `z.infer`. Response bodies are strict objects: the gateway writes exactly these
 * fields. A schema with a `.meta` id is one of the document's `components.schemas`.
 */

const ERROR_CODES = Object.keys(ERROR_STATUS) as [CallbackErrorCode, ...CallbackErrorCode[]];

/** Every stable error code, from the one code-to-status table in `protocol/errors.ts`. */
const errorCodeSchema = z.enum(ERROR_CODES).meta({ id: 'ErrorCode', description: 'Why the request was refused; each code has one HTTP status.' });

/** One way a payload failed the callback's schema (`PAYLOAD_INVALID`). */
const errorIssueSchema = z.strictObject({ path: z.string(), message: z.string() }).meta({ id: 'ErrorIssue', description: "One way the payload fails the callback's schema." });

/** Every refusal: `{"error":{"code","message"}}`, with `issues` for `PAYLOAD_INVALID`. */
const errorResponseSchema = z.strictObject({
  error: z.strictObject({
    code: errorCodeSchema,
    message: z.string().min(1),
    issues: z.array(errorIssueSchema).optional(),
  }),
}).meta({ id: 'Error', description: 'A refusal. Branch on `error.code`; `message` is for people.' });

/** A refusal with one of `codes`: {@link errorResponseSchema}, its `code` narrowed to them. */
export function refusalSchema(codes: readonly CallbackErrorCode[]) {
  if (codes.length === 0) throw new Error('a refusal has a code');
  return z.intersection(errorResponseSchema, z.object({ error: z.object({ code: z.enum(codes as [CallbackErrorCode, ...CallbackErrorCode[]]) }) }));
}

/** `202`: Temporal durably recorded the delivery. */
export const acceptedResponseSchema = z.strictObject({
  status: z
    .enum(['accepted', 'duplicate'])
    .describe('`duplicate`: Temporal had already recorded this delivery id (a retry after a lost answer, a replayed signed request); it changes nothing.'),
  callbackId: z.string(),
  deliveryId: z.string(),
}).meta({ id: 'Accepted', description: 'Temporal durably recorded the delivery; the workflow applies each delivery id once.' });

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
}).meta({ id: 'Answered', description: "The workflow's own answer (synchronous mode)." });

const DELIVERY_KINDS: { [kind in DeliveryKind]: kind } = { complete: 'complete', fail: 'fail', heartbeat: 'heartbeat' };
const DELIVERY_OUTCOMES: { [outcome in DeliveryOutcome | 'recorded']: outcome } = { applied: 'applied', refused: 'refused', recorded: 'recorded', unknown: 'unknown' };

/** `GET /callbacks/{token}/status`: what the callback is and takes, and one delivery's outcome. */
export const callbackStatusResponseSchema = z
  .strictObject({
    callbackId: z.string(),
    workflow: z
      .enum(['running', 'closed', 'replaced'])
      .describe('The execution that minted the URL: still running, closed, or closed and replaced by a later execution reusing its workflow id.'),
    status: z
      .enum({ ...CALLBACK_STATUSES, unknown: 'unknown' })
      .describe(
        "The callback's own status; `unknown` when the workflow could not say: no worker answered within the query deadline (then a running chain lists every action), or its latest run does not know the callback (then none).",
      ),
    expiresAt: z.string().describe('When the URL stops being accepted (ISO 8601).'),
    link: z
      .enum(['current', 'replaced'])
      .optional()
      .describe(
        "Whether this URL is the callback's current link, or was replaced by a newer one for the same wait (the workflow reissued it: deliveries through this one are refused 410 `CALLBACK_LINK_REPLACED`, while the wait goes on). Absent when the workflow could not say.",
      ),
    accepts: z.strictObject({
      actions: z
        .array(z.enum(DELIVERY_KINDS))
        .describe(
          'The routes that would take a delivery now: none once the callback or its workflow is closed; every one while the chain runs and no worker answered (a delivery would be recorded, 202, and applied once a worker runs).',
        ),
      methods: z.array(z.enum(['POST', 'PUT', 'GET'])).describe('The methods that deliver; GET only for callbacks created with `allowGet`.'),
      apiKey: z.boolean().describe('Whether each delivery must present an API key with the `workflows:execute` scope.'),
      signature: z.boolean().describe('Whether each delivery must carry a Standard Webhooks signature.'),
    }),
    schema: z.record(z.string(), z.unknown()).nullable().describe('JSON Schema of the data `complete` takes, when the workflow gave a schema that describes itself.'),
    delivery: z
      .strictObject({
        deliveryId: z.string(),
        outcome: z
          .enum(DELIVERY_OUTCOMES)
          .describe(
            '`applied`: taken once (repeats change nothing); said by the workflow, or, with no worker, by a completed synchronous delivery in its history. `refused`: see `reason`. `recorded`: Temporal holds it, but no worker answered what became of it. `unknown`: it never reached this execution chain (every run read), or was refused longer ago than the workflow keeps.',
          ),
        reason: z.enum(Object.keys(WORKFLOW_REFUSALS) as [WorkflowRefusalCode, ...WorkflowRefusalCode[]]).optional(),
        issues: z.array(errorIssueSchema).optional(),
      })
      .optional()
      .describe('The outcome of the delivery named by `?deliveryId=`.'),
  })
  .meta({ id: 'CallbackStatus', description: 'What the callback URL is and takes. Reading it never delivers anything.' });

/** `GET /callbacks/{token}/status`. */
export type CallbackStatusResponse = z.infer<typeof callbackStatusResponseSchema>;

/** `GET /healthz`. */
export const healthResponseSchema = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Health' });

/** `GET /readyz` when Temporal answers. */
export const readyResponseSchema = z.strictObject({ status: z.literal('ready'), temporal: z.literal('reachable') }).meta({ id: 'Ready' });

/** `GET /readyz` when Temporal does not answer. */
export const unreadyResponseSchema = z.strictObject({ status: z.literal('unready'), temporal: z.literal('unreachable') }).meta({ id: 'Unready' });

/** `GET /openapi.json`: an OpenAPI 3.1 document. */
export const openApiResponseSchema = z.object({ openapi: z.string() }).meta({ id: 'OpenApiDocument', description: 'This document.' });

/** One published approval receipt key: public parts only (never `d`). */
const publicReceiptKeySchema = z
  .strictObject({
    kty: z.enum(['OKP', 'EC']),
    crv: z.enum(['Ed25519', 'P-256']),
    x: z.string(),
    y: z.string().optional().describe('P-256 keys only.'),
    kid: z.string().describe("The key's RFC 7638 JWK thumbprint (SHA-256): the `kid` of the receipts it signed."),
    alg: z.enum(['EdDSA', 'ES256']),
    use: z.literal('sig'),
  })
  .meta({ id: 'ReceiptPublicKey' });

/** `GET /.well-known/jwks.json`: the public keys approval receipts verify with. */
export const receiptKeySetSchema = z
  .strictObject({ keys: z.array(publicReceiptKeySchema) })
  .meta({ id: 'ReceiptKeySet', description: 'A JSON Web Key Set (RFC 7517) of the public keys approval receipts are signed with: the active key and the retired ones whose receipts must still verify.' });

/** A JSON callback body: any JSON value. */
export const jsonBodySchema = z.unknown().meta({ id: 'JsonBody', description: 'Any JSON value; the workflow receives it as `data`.' });

/** A form body (`application/x-www-form-urlencoded`), as the workflow receives it: a repeated name gives a list. */
export const formBodySchema = z
  .record(z.string(), z.union([z.string(), z.array(z.string())]))
  .meta({ id: 'FormBody', description: 'Form fields; a repeated name gives a list.' });

/**
 * The body of a `fail` report, as the document describes it. The rule itself is
 * `parseFailureReport` (workflows/protocol.ts), which the gateway and the workflow both apply;
 * a test holds the two to the same verdicts.
 */
export const failureReportSchema = z.object({
  error: z.object({
    message: z.string().min(1).describe('What went wrong; the workflow receives it as `error.message`.'),
    type: z.string().optional().describe('A machine-readable kind of failure.'),
    details: z.unknown().optional().describe('Any JSON the workflow should see.'),
  }),
}).meta({ id: 'FailureReport' });

/** A text body or answer (`text/*`, `text/plain`). */
export const textSchema = z.string();

/** An HTML answer: the approval, thank-you and error pages a browser gets. */
export const htmlPageSchema = z.string().meta({ id: 'HtmlPage', description: 'A page for a person, self-contained, with its own strict Content-Security-Policy.' });

/** `202` from `POST /webhooks/{source}`: what became of a verified provider event. */
export const webhookAnswerSchema = z
  .strictObject({
    status: z
      .enum(['accepted', 'duplicate', 'ignored'])
      .describe('`accepted`: Temporal holds the event (a `webhookEvent` workflow of its own) and routes it to the waits for its (source, key). `duplicate`: Temporal already holds this event (a provider\'s retry, or a replay of a captured request, recognised by signed content only); it is applied once. `ignored`: verified, but no key rule of the source gives it a key, so no wait can match it; nothing reached Temporal.'),
    source: z.string(),
    event: z.string().nullable().describe('The event type, or null when the event has none the gateway can read.'),
    key: z.string().optional().describe('The key the source\'s rule derived, when it resolved.'),
    deliveryId: z.string().describe("The provider's delivery id; a retry of the same event is applied once per wait."),
  })
  .meta({ id: 'WebhookAnswer', description: 'A verified provider event: routed to the waits for its key, or ignored.' });

/** `200` to Slack's `url_verification`. */
export const slackChallengeSchema = z.strictObject({ challenge: z.string() }).meta({ id: 'SlackChallenge', description: "Slack's `url_verification` challenge, echoed." });
