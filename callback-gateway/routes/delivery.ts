import type { Client } from '@temporalio/client';
import express, { type RequestHandler } from 'express';
import type { ApiKeyStore } from '../../lib/api-keys';
import { CallbackError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { CallbackTokenVerifier } from '../../lib/verify-callback-token';
import { parseFailureReport, WORKFLOW_REFUSALS } from '../../workflows/protocol';
import type { DeliveryKind } from '../../workflows/types';
import { buildDelivery, deliveryIdOf } from '../build-delivery';
import { renderThankYouPage, sendPage } from '../html-pages';
import { authenticate } from '../middleware/authenticate';
import { checkWebhookSignature } from '../middleware/check-webhook-signature';
import { markHtmlRequests } from '../middleware/detect-html';
import { limitPerApiKey, limitPerClientIp } from '../middleware/rate-limit';
import { readBody } from '../middleware/read-body';
import type { GatewayRateLimits } from '../rate-limiter';
import { authenticated, receivedBody, requestState } from '../request-state';
import { signalWorkflow } from '../signal-workflow';
import { deliverSync, requestedWaitSeconds } from '../sync-delivery';
import { approvalPage } from './approval-page';

/** What the callback URL routes need; defaults are resolved by `createGateway`. */
export interface DeliveryRouteDeps {
  /** A Temporal client for the namespace the gateway serves. */
  client: Client;
  /** Verifies the callback tokens in request paths. */
  verifier: CallbackTokenVerifier;
  /** Checks the API keys of callbacks that require one. */
  apiKeys: ApiKeyStore;
  /** Where a callback that cannot be checked (its signature sender has no secret) and an approval page shown without details are logged. */
  logger: Logger;
  /** Largest accepted body, in bytes. */
  maxBodyBytes: number;
  /** Bound on each Temporal call. */
  timeoutMs: number;
  /** Standard Webhooks secrets by sender name, for callbacks created with `requireSignature`. */
  webhookSecrets?: ReadonlyMap<string, Uint8Array>;
  /** Request limits per client IP and per API key; off unless given. */
  rateLimits?: GatewayRateLimits;
}

/** The methods that deliver, as an `Allow` header names them. */
const DELIVERY_METHODS = 'POST, PUT';

function methodNotAllowed(message: string): CallbackError {
  return new CallbackError('METHOD_NOT_ALLOWED', message, { headers: { Allow: DELIVERY_METHODS } });
}

/** Lets through only the GETs that may deliver: not HEAD, and only for callbacks created with `allowGet`. */
const getAllowed: RequestHandler = (req, res, next) => {
  // Express routes HEAD to GET handlers; a HEAD must never deliver anything.
  if (req.method === 'HEAD') throw methodNotAllowed('HEAD does not deliver a callback; use POST.');
  if (!authenticated(res).claims.allowGet) {
    throw methodNotAllowed('This callback does not accept GET (link previews and crawlers send GETs); send the delivery with POST or PUT.');
  }
  next();
};

/** Refuses every method but the delivering ones, before any check of the token. */
const refuseOtherMethods: RequestHandler = (req) => {
  throw methodNotAllowed(`${req.method} does not deliver a callback; use POST or PUT.`);
};

/** A `fail` report must say what failed, by the protocol's one rule for failure reports. */
function checkFailureReport(data: unknown): void {
  if (!parseFailureReport(data)) throw new CallbackError('INVALID_FAILURE_REPORT', WORKFLOW_REFUSALS.INVALID_FAILURE_REPORT);
}

/** The approval page's form posts the person's answer as `decision`; the thank-you page repeats it. */
function decisionOf(data: unknown): unknown {
  return (data as { decision?: unknown } | null)?.decision;
}

/**
 * The handler that delivers an admitted request as a `kind` delivery: by default a durable
 * signal answered `202` once Temporal has recorded it; with `Prefer: wait=N` (or `?wait=N`) an
 * update answered `200` with the workflow's own reply, or, when no worker answers in time, the
 * signal after all. A browser's form submission is answered with the thank-you page instead of
 * JSON, with the same status.
 */
function deliver(kind: DeliveryKind, client: Client, timeoutMs: number): RequestHandler {
  return async (req, res) => {
    const { claims, apiKey } = authenticated(res);
    const { contentType, data } = receivedBody(res);
    const state = requestState(res);
    const waitSeconds = requestedWaitSeconds(req);
    const deliveryId = deliveryIdOf(req);
    state.deliveryId = deliveryId;
    if (kind === 'fail') checkFailureReport(data);
    const delivery = buildDelivery(req, { callbackId: claims.callbackId, kind, deliveryId, contentType, data, apiKeyId: apiKey?.id });
    const accepted = { callbackId: claims.callbackId, deliveryId };
    const answer = (status: number, json: object) =>
      state.html ? sendPage(res, status, renderThankYouPage({ decision: decisionOf(data) })) : res.status(status).json(json);
    if (waitSeconds !== undefined) {
      const reply = await deliverSync(client, claims.workflowId, delivery, waitSeconds);
      if (reply) {
        res.set('Preference-Applied', `wait=${waitSeconds}`);
        answer(200, { status: reply.outcome, ...accepted, callbackStatus: reply.status, reply: reply.reply });
        return;
      }
      // No worker answered in time: fall back to the durable signal, as if asynchronous.
    }
    await signalWorkflow(client, claims.workflowId, delivery, timeoutMs);
    answer(202, { status: 'accepted', ...accepted });
  };
}

/**
 * The callback URL routes. `POST|PUT /callbacks/:token` and `/complete` complete the callback,
 * `/fail` reports failure, `/heartbeat` reports progress; `GET /callbacks/:token` (and
 * `/complete`) shows a browser the approval page and completes only for callbacks created with
 * `allowGet`; every other method is refused with 405 and `Allow`.
 *
 * Each request is admitted first (the client IP's rate limit, the token and any API key it
 * requires, then the key's rate limit), then its body is read and its signature checked (for
 * callbacks that require one), and only then delivered.
 */
export function deliveryRoutes(deps: DeliveryRouteDeps): express.Router {
  const { client, timeoutMs } = deps;
  const admit = [limitPerClientIp(deps.rateLimits?.perIp), authenticate(deps.verifier, deps.apiKeys), limitPerApiKey(deps.rateLimits?.perKey)];
  const checkSignature = checkWebhookSignature(deps.webhookSecrets, deps.logger);
  const body = [readBody(deps.maxBodyBytes), checkSignature];
  const showApprovalPage = approvalPage({ client, timeoutMs, logger: deps.logger });
  const router = express.Router();

  // The plain URL completes, so a sender that only knows "POST JSON to the URL" just works.
  for (const path of ['/callbacks/:token', '/callbacks/:token/complete']) {
    const complete = deliver('complete', client, timeoutMs);
    router
      .route(path)
      .post(markHtmlRequests, admit, body, complete)
      .put(markHtmlRequests, admit, body, complete)
      // A GET's query is its data: there is no body to read, only a signature to check.
      .get(markHtmlRequests, admit, showApprovalPage, getAllowed, checkSignature, complete)
      .all(refuseOtherMethods);
  }
  for (const kind of ['fail', 'heartbeat'] as const) {
    const report = deliver(kind, client, timeoutMs);
    router
      .route(`/callbacks/:token/${kind}`)
      .post(admit, body, report)
      .put(admit, body, report)
      .all(refuseOtherMethods);
  }
  return router;
}
