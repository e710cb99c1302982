import express, { type RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import { CallbackError } from '../../lib/errors';
import { webhookMailboxId } from '../../lib/webhook-mailbox-id';
import { resolveKeyTemplate } from '../../lib/webhook-key-template';
import { ANY_EVENT, type WebhookSource, type WebhookSources } from '../../lib/webhook-sources';
import { MAX_WEBHOOK_KEY_LENGTH, WEBHOOK_MAILBOX_WORKFLOW, webhookEventSignal } from '../../workflows/protocol';
import type { WebhookEvent, WebhookMailboxInput } from '../../workflows/types';
import { forwardedHeaders, MAX_DELIVERY_ID_LENGTH } from '../build-delivery';
import { limitPerClientIp } from '../middleware/rate-limit';
import { readBody } from '../middleware/read-body';
import type { GatewayRateLimits } from '../rate-limiter';
import { receivedBody, requestState } from '../request-state';
import { classify, withinDeadline } from '../temporal-calls';
import { eventMalformed, type VerifiedWebhook } from '../webhooks/provider-signature';
import { verifyWebhook } from '../webhooks/verify-webhook';

/** What the provider webhook route needs; defaults are resolved by `createGateway`. */
export interface WebhookRouteDeps {
  client: Client;
  /** The configured sources by name. */
  sources: WebhookSources;
  /** The task queue mailboxes run on: the workers' (`TEMPORAL_TASK_QUEUE`), which must register `webhookMailbox`. */
  taskQueue: string;
  /** How long a mailbox the gateway starts holds events, ms. */
  holdMs: number;
  maxBodyBytes: number;
  timeoutMs: number;
  rateLimits?: GatewayRateLimits;
}

/** What `POST /webhooks/:source` answers a provider in JSON. */
export interface WebhookAnswer {
  /** `accepted`: Temporal recorded the event in its mailbox. `ignored`: verified, but no key rule gives it a key, so no wait can match it. */
  status: 'accepted' | 'ignored';
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

/** The key the source's rules derive from the verified event, or undefined when it has none (no rule, or a pointer that does not resolve). */
function keyOf(source: WebhookSource, verified: VerifiedWebhook): string | undefined {
  const template = verified.event === undefined ? undefined : (source.events.get(verified.event) ?? source.events.get(ANY_EVENT));
  const key = template && resolveKeyTemplate(template, verified.data);
  return key !== undefined && key.length <= MAX_WEBHOOK_KEY_LENGTH ? key : undefined;
}

/**
 * `POST /webhooks/:source`: the fixed endpoint a provider (GitHub, Stripe, Slack, a Standard
 * Webhooks sender) delivers every event of an account or app to. Each request is verified by
 * its provider's native signature over the raw body, its key derived by the source's key rule
 * for its event type, and the event signalled-with-start to the `webhookMailbox` of its
 * (source, key), which routes it to the waits for that key. The answer comes once Temporal
 * recorded the signal: `202 {status:'accepted'}`, or for Slack interactivity `200` with an empty
 * body. A verified event no rule gives a key is answered `202 {status:'ignored'}` (Slack
 * interactivity: `200`, empty) and never reaches Temporal; neither does anything unverified.
 */
export function webhookRoutes(deps: WebhookRouteDeps): express.Router {
  const { client, sources, taskQueue, holdMs, timeoutMs } = deps;
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
    const event: WebhookEvent = {
      source: name,
      event: verified.event,
      key,
      deliveryId: verified.deliveryId,
      contentType: body.contentType,
      data: verified.data,
      headers: forwardedHeaders(req),
      receivedAt: new Date().toISOString(),
    };
    const mailbox: WebhookMailboxInput = { source: name, key, holdMs };
    try {
      await withinDeadline(client, timeoutMs, () =>
        client.workflow.signalWithStart(WEBHOOK_MAILBOX_WORKFLOW, {
          workflowId: webhookMailboxId(name, key),
          taskQueue,
          args: [mailbox],
          signal: webhookEventSignal,
          signalArgs: [event],
        }),
      );
    } catch (err) {
      throw classify(err);
    }
    answer('accepted');
  };
  router.post('/webhooks/:source', limitPerClientIp(deps.rateLimits?.perIp), findSource(sources), readBody(deps.maxBodyBytes), deliver);
  return router;
}
