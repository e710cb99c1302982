import express, { type RequestHandler } from 'express';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { CallbackError } from '../../protocol/errors';
import type { Logger } from '../logger';
import { webhookEventId } from '../../protocol/webhook-ids';
import { resolveWebhookKey } from '../webhooks/webhook-key-template';
import { ANY_EVENT, type WebhookSource, type WebhookSources } from '../webhooks/webhook-sources';
import { MAX_WEBHOOK_KEY_LENGTH, WEBHOOK_EVENT_WORKFLOW } from '../../protocol/definitions';
import type { WebhookEvent, WebhookEventInput } from '../../protocol/webhook-messages';
import { forwardedHeaders, MAX_DELIVERY_ID_LENGTH } from '../build-delivery';
import { limitPerClientIp } from '../middleware/rate-limit';
import { readBody } from '../middleware/read-body';
import type { GatewayRateLimits } from '../rate-limiter';
import { receivedBody, requestState } from '../request-state';
import { classify, isBlobTooLarge, withinDeadline } from '../temporal-calls';
import { WebhookCapacity } from '../webhook-capacity';
import { eventMalformed, keyMalformed, type VerifiedWebhook } from '../webhooks/provider-signature';
import { verifyWebhook } from '../webhooks/verify-webhook';

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
export interface WebhookAnswer {
  /**
   * `accepted`: Temporal holds the event and routes it to the waits for its key. `duplicate`:
   * Temporal already holds it (a provider's retry or a replay; recognised by signed content
   * only), so it is applied once. `ignored`: verified, but no key rule gives it a key, so no wait
   * can match it.
   */
  status: 'accepted' | 'duplicate' | 'ignored';
  source: string;
  event: string | null;
  key?: string;
  deliveryId: string;
}

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
    if (verified.challenge !== undefined) return res.status(200).json({ challenge: verified.challenge });
    const key = keyOf(source, verified);
    const answer = (status: WebhookAnswer['status']) => {
      if (verified.answer === 'empty') return res.status(200).end();
      const json: WebhookAnswer = { status, source: name, event: verified.event ?? null, ...(key === undefined ? {} : { key }), deliveryId: verified.deliveryId };
      res.status(202).json(json);
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
  router.post('/webhooks/:source', limitPerClientIp(deps.rateLimits?.perIp), findSource(sources), readBody(deps.maxBodyBytes), deliver);
  return router;
}
