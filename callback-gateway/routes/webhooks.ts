import express, { type RequestHandler } from 'express';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import * as z from 'zod';
import { CallbackError } from '../../protocol/errors';
import type { Logger } from '../logger';
import { webhookEventId } from '../../protocol/webhook-ids';
import { resolveWebhookKey } from '../webhooks/webhook-key-template';
import { ANY_EVENT, type WebhookSource, type WebhookSources } from '../webhooks/webhook-sources';
import { MAX_WEBHOOK_KEY_LENGTH, WEBHOOK_EVENT_WORKFLOW, WEBHOOK_SOURCE_PATTERN } from '../../protocol/definitions';
import type { WebhookEvent, WebhookEventInput } from '../../protocol/webhook-messages';
import { forwardedHeaders, MAX_DELIVERY_ID_LENGTH } from '../build-delivery';
import { limitPerClientIp, RATE_LIMIT_PART } from '../middleware/rate-limit';
import { READ_BODY_PART, readBody } from '../middleware/read-body';
import { refusing, type ContractPart } from '../contract/contract-parts';
import { expressPath, json, type RouteContract } from '../contract/route-contract';
import { formBodySchema, jsonBodySchema, slackChallengeSchema, webhookAnswerSchema } from '../contract/schemas';
import type { GatewayRateLimits } from '../rate-limiter';
import { receivedBody, requestState } from '../request-state';
import { classify, CLASSIFIED_REFUSALS, isBlobTooLarge, withinDeadline } from '../temporal-calls';
import { WebhookCapacity } from '../webhook-capacity';
import { eventMalformed, keyMalformed, type VerifiedWebhook } from '../webhooks/provider-signature';
import { VERIFY_WEBHOOK_PART, verifyWebhook } from '../webhooks/verify-webhook';

/** What the provider webhook route needs; defaults are resolved by `createGateway`. */
export interface WebhookRouteDeps {
  client: Client;
  /** The configured sources by name. */
  sources: WebhookSources;
  /** The task queue held events and mailboxes run on: the workers' (`TEMPORAL_TASK_QUEUE`), which must register `webhookEvent` and `webhookMailbox`. */
  taskQueue: string;
  /** How long an event is held for waits that begin later, ms. */
  holdMs: number;
  /** The most events one source holds at once. */
  maxHeldEvents: number;
  logger?: Logger;
  maxBodyBytes: number;
  timeoutMs: number;
  rateLimits?: GatewayRateLimits;
}

/** What `POST /webhooks/:source` answers a provider in JSON. */
type WebhookAnswer = z.infer<typeof webhookAnswerSchema>;

/** The source in the path, and what {@link findSource} refuses: a name Express cannot decode (no route), or none configured. */
const SOURCE_PART: ContractPart = {
  params: {
    source: z.string().regex(WEBHOOK_SOURCE_PATTERN).meta({
      param: { description: 'A source configured in `WEBHOOK_SOURCES_FILE` (its provider, secret and key rules). Any other: 404 `WEBHOOK_SOURCE_UNKNOWN`, body unread.' },
    }),
  },
  refusals: refusing('ROUTE_NOT_FOUND', 'WEBHOOK_SOURCE_UNKNOWN'),
};

/** What the route's handler refuses once the event verified: its key or delivery id, its source full (`Retry-After`), Temporal. */
const HOLD_EVENT_PART: ContractPart = {
  refusals: { ...refusing('WEBHOOK_EVENT_MALFORMED', 'WEBHOOK_KEY_MALFORMED', 'PAYLOAD_TOO_LARGE'), WEBHOOK_SOURCE_FULL: ['Retry-After'], ...CLASSIFIED_REFUSALS },
};

const WEBHOOK_PATH = '/webhooks/{source}';

/** The contract of the route {@link webhookRoutes} mounts, for the OpenAPI document (which describes it whether or not webhooks are on: off, it is 404). */
export const WEBHOOK_ROUTE_CONTRACTS: readonly RouteContract[] = [
  {
    method: 'post',
    path: WEBHOOK_PATH,
    tag: 'Webhooks',
    summary: "Receive a provider's webhook",
    description:
      "The fixed endpoint a provider delivers every event of an account or app to. Verified by the source's provider signature over the raw body (the headers of the source's provider are read, the others ignored); its key derived by the source's rule for its event type; held by a `webhookEvent` workflow of its own (whose id is made of signed content only, so a provider's retry or a replayed request is answered `duplicate` and applied once), which hands it to the mailbox of its (source, key) and so to the webhook waits for that key, including waits that begin later. Answered once Temporal recorded it. Nothing unverified reaches Temporal.",
    body: {
      description:
        "The provider's event as it signed it, up to the gateway's limit: JSON (GitHub, Stripe, Slack Events API, Standard Webhooks), or a form whose `payload` field holds the JSON (Slack interactivity, GitHub's form option), or a Slack slash command's form (`command`, `text`, ...). Signatures are checked over the bytes as sent, before any `Content-Encoding` is undone.",
      required: true,
      content: { 'application/json': { schema: jsonBodySchema }, 'application/x-www-form-urlencoded': { schema: formBodySchema } },
    },
    parts: [RATE_LIMIT_PART, SOURCE_PART, READ_BODY_PART, VERIFY_WEBHOOK_PART, HOLD_EVENT_PART],
    answers: {
      200: {
        description:
          'Slack: an interaction (form `payload`), a slash command (form `command`) or any other form, accepted or ignored, is answered with an empty body, as Slack expects within 3 s (so Slack shows nothing); a `url_verification` with its challenge.',
        content: json(slackChallengeSchema),
      },
      202: { description: 'Verified: recorded in the mailbox of its (source, key), or ignored (no key rule gives it a key).', content: json(webhookAnswerSchema) },
    },
  },
];

/** Finds the configured source before the body is read: an unknown one is refused unread. */
function findSource(sources: WebhookSources): RequestHandler {
  return (req, res, next) => {
    if (!sources.has(req.params.source as string)) throw new CallbackError('WEBHOOK_SOURCE_UNKNOWN', 'This gateway has no webhook source by that name; sources are configured in WEBHOOK_SOURCES_FILE.');
    next();
  };
}

/**
 * The key the source's rules derive from the verified event, or undefined when it has none (no
 * rule, or a pointer that does not resolve).
 * @throws `CallbackError` `WEBHOOK_KEY_MALFORMED` when the key is not well-formed Unicode: it could
 * reach another key's mailbox, so the event is refused before anything reaches Temporal.
 */
function keyOf(source: WebhookSource, verified: VerifiedWebhook): string | undefined {
  const template = verified.event === undefined ? undefined : (source.events.get(verified.event) ?? source.events.get(ANY_EVENT));
  if (!template) return undefined;
  const resolved = resolveWebhookKey(template, verified.data);
  if (resolved.status === 'malformed') throw keyMalformed();
  return resolved.status === 'resolved' && resolved.key.length <= MAX_WEBHOOK_KEY_LENGTH ? resolved.key : undefined;
}

/**
 * `POST /webhooks/:source`: the fixed endpoint a provider (GitHub, Stripe, Slack, a Standard
 * Webhooks sender) delivers every event of an account or app to. Each request is verified by its
 * provider's native signature over the raw body, its key derived by the source's key rule for its
 * event type, and the event started as a `webhookEvent` workflow of its own, which holds it and
 * hands it to the `webhookMailbox` of its (source, key), and so to the waits for that key. The
 * workflow id is made of the source and the event's replay id (signed content only), so Temporal
 * itself refuses a second start: a provider's retry or a replayed request is answered `duplicate`.
 *
 * The answer comes once Temporal recorded the start: `202 {status:'accepted'|'duplicate'}`, or
 * for Slack interactivity and slash commands `200` with an empty body. A verified event no rule
 * gives a key is answered `202 {status:'ignored'}` (Slack: `200`, empty) and never reaches
 * Temporal; neither does anything unverified. A source holding its most events is answered `503
 * WEBHOOK_SOURCE_FULL`; a body over Temporal's payload limit `413 PAYLOAD_TOO_LARGE`; Temporal
 * unreachable `503 TEMPORAL_UNAVAILABLE`. Nothing piles up in one history while no worker runs:
 * each held event is its own small workflow.
 */
export function webhookRoutes(deps: WebhookRouteDeps): express.Router {
  const { client, sources, taskQueue, holdMs, timeoutMs } = deps;
  const capacity = new WebhookCapacity(client, deps.maxHeldEvents, timeoutMs, deps.logger);
  const router = express.Router();
  const deliver: RequestHandler = async (req, res) => {
    const name = req.params.source as string;
    const source = sources.get(name)!;
    const body = receivedBody(res);
    const verified = verifyWebhook(source, req, body);
    if (verified.deliveryId.length === 0 || verified.deliveryId.length > MAX_DELIVERY_ID_LENGTH) {
      throw eventMalformed(`The webhook's delivery id must be 1 to ${MAX_DELIVERY_ID_LENGTH} characters.`);
    }
    requestState(res).deliveryId = verified.deliveryId;
    if (verified.challenge !== undefined) {
      const challenge: z.infer<typeof slackChallengeSchema> = { challenge: verified.challenge };
      return res.status(200).json(challenge);
    }
    const key = keyOf(source, verified);
    const answer = (status: WebhookAnswer['status']) => {
      if (verified.answer === 'empty') return res.status(200).end();
      const answered: WebhookAnswer = { status, source: name, event: verified.event ?? null, ...(key === undefined ? {} : { key }), deliveryId: verified.deliveryId };
      res.status(202).json(answered);
    };
    if (key === undefined || verified.event === undefined) return answer('ignored');
    await capacity.check(name);
    const receivedAt = new Date();
    const event: WebhookEvent = {
      source: name,
      event: verified.event,
      key,
      deliveryId: verified.deliveryId,
      contentType: body.contentType,
      data: verified.data,
      headers: forwardedHeaders(req),
      receivedAt: receivedAt.toISOString(),
    };
    const input: WebhookEventInput = { event, heldUntil: receivedAt.getTime() + holdMs };
    try {
      await withinDeadline(client, timeoutMs, () =>
        client.workflow.start(WEBHOOK_EVENT_WORKFLOW, {
          workflowId: webhookEventId(name, verified.replayId),
          taskQueue,
          args: [input],
          // Once per replay id, running or closed (within the namespace's retention): a retry or replay is a duplicate.
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return answer('duplicate');
      if (isBlobTooLarge(err)) {
        throw new CallbackError('PAYLOAD_TOO_LARGE', "The event is larger than Temporal's payload limit on this server; nothing of it was held.", { cause: err });
      }
      throw classify(err);
    }
    capacity.accepted(name);
    answer('accepted');
  };
  router.post(expressPath(WEBHOOK_PATH), limitPerClientIp(deps.rateLimits?.perIp), findSource(sources), readBody(deps.maxBodyBytes), deliver);
  return router;
}
