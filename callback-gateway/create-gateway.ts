import type { Client } from '@temporalio/client';
import express, { type RequestHandler } from 'express';
import type { ApiKeyStore } from '../lib/api-keys';
import { CallbackError } from '../lib/errors';
import { silentLogger, type Logger } from '../lib/logger';
import type { CallbackTokenVerifier } from '../lib/verify-callback-token';
import { renderThankYouPage, sendPage } from './html-pages';
import { showApprovalPage } from './approval-page-handler';
import { buildDelivery, deliveryIdOf } from './build-delivery';
import { authenticate } from './middleware/authenticate';
import { checkWebhookSignature } from './middleware/check-webhook-signature';
import { markHtmlRequests } from './middleware/detect-html';
import { logRequests } from './middleware/log-requests';
import { limitPerApiKey, limitPerClientIp } from './middleware/rate-limit';
import { DEFAULT_MAX_BODY_BYTES, readBody } from './middleware/read-body';
import { assignRequestId } from './middleware/request-id';
import { securityHeaders } from './middleware/security-headers';
import { authenticated, receivedBody, requestState } from './request-state';
import { errorHandler, routeNotFound } from './respond-with-error';
import { signalWorkflow } from './signal-workflow';
import { withinDeadline } from './temporal-calls';
import type { RateLimit } from './rate-limiter';
import { createGatewayMetrics } from './metrics';
import openApiDocument from './openapi.json';
import { deliverSync, requestedWaitSeconds } from './sync-delivery';
import type { DeliveryKind } from '../workflows/types';
import { parseFailureReport, WORKFLOW_REFUSALS } from '../workflows/protocol';

/** Default bound on each Temporal call a request makes. */
export const DEFAULT_TEMPORAL_CALL_TIMEOUT_MS = 5_000;

/** Everything the gateway depends on; passed in so tests and deployments choose each part. */
export interface GatewayDeps {
  /** A Temporal client for the namespace the gateway serves. */
  client: Client;
  verifier: CallbackTokenVerifier;
  apiKeys: ApiKeyStore;
  logger?: Logger;
  /** Largest accepted body, in bytes. Default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  /** Bound on each Temporal call. Default {@link DEFAULT_TEMPORAL_CALL_TIMEOUT_MS}. */
  temporalCallTimeoutMs?: number;
  /** Standard Webhooks secrets by sender name, for callbacks created with `requireSignature`. */
  webhookSecrets?: ReadonlyMap<string, Uint8Array>;
  /** Request limits per client IP and per API key; off unless given. */
  rateLimits?: { perIp?: RateLimit; perKey?: RateLimit };
  /** Express's `trust proxy` setting, so the per-IP limit sees the client behind a load balancer. Default off. */
  trustProxy?: boolean | number | string;
  /** Serve Prometheus metrics at `/metrics` (default true); restrict the path at the load balancer. */
  metrics?: boolean;
}

const DELIVERY_METHODS = 'POST, PUT';

/** A `fail` report must say what failed, by the protocol's one rule for failure reports. */
function checkFailureReport(data: unknown): void {
  if (!parseFailureReport(data)) throw new CallbackError('INVALID_FAILURE_REPORT', WORKFLOW_REFUSALS.INVALID_FAILURE_REPORT);
}


function methodNotAllowed(message: string, allow: string): CallbackError {
  return new CallbackError('METHOD_NOT_ALLOWED', message, { headers: { Allow: allow } });
}


/**
 * Builds the callback gateway: an Express app that verifies each request to
 * `/callbacks/:token` and turns it into a durable Temporal signal, answering 202 only once
 * Temporal has recorded it. Listen on it yourself (`app.listen(port)`); see `server.ts`.
 *
 * Routes: `POST|PUT /callbacks/:token` (and `/complete`) complete; `/fail` reports failure;
 * `/heartbeat` reports progress; `GET /callbacks/:token` with `Accept: text/html` shows the
 * approval page (and never delivers), without it completes only for callbacks created with
 * `allowGet`; `GET /healthz`; `GET /readyz`. `Prefer: wait=N` or `?wait=N` asks for the
 * workflow's own answer (a Temporal update) instead of the default durable `202`. Requests from
 * browsers (`Accept` preferring `text/html`) are answered with HTML pages, refusals included.
 */
export function createGateway(deps: GatewayDeps): express.Express {
  const logger = deps.logger ?? silentLogger;
  const timeoutMs = deps.temporalCallTimeoutMs ?? DEFAULT_TEMPORAL_CALL_TIMEOUT_MS;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.set('trust proxy', deps.trustProxy ?? false);
  app.use(securityHeaders);
  app.use(assignRequestId);
  app.use(logRequests(logger));
  if (deps.metrics !== false) {
    const metrics = createGatewayMetrics();
    app.use(metrics.middleware);
    app.get('/metrics', metrics.handler);
  }
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    try {
      await withinDeadline(deps.client, Math.min(timeoutMs, 2_000), () => deps.client.workflowService.getSystemInfo({}));
      res.json({ status: 'ready', temporal: 'reachable' });
    } catch {
      res.set('Retry-After', '5').status(503).json({ status: 'unready', temporal: 'unreachable' });
    }
  });

  const limitIp = limitPerClientIp(deps.rateLimits?.perIp);
  const auth = authenticate(deps.verifier, deps.apiKeys);
  const limitKey = limitPerApiKey(deps.rateLimits?.perKey);
  const readAndCheckBody = readBody(deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  const checkSignature = checkWebhookSignature(deps.webhookSecrets, logger);
  const body = [readAndCheckBody, checkSignature];

  const deliver =
    (kind: DeliveryKind): RequestHandler =>
    async (req, res) => {
      const { claims, apiKey } = authenticated(res);
      const body = receivedBody(res);
      const state = requestState(res);
      const waitSeconds = requestedWaitSeconds(req);
      const deliveryId = deliveryIdOf(req);
      state.deliveryId = deliveryId;
      const data = body.data;
      if (kind === 'fail') checkFailureReport(data);
      const delivery = buildDelivery(req, {
        callbackId: claims.callbackId,
        kind,
        deliveryId,
        contentType: body.contentType,
        data,
        apiKeyId: apiKey?.id,
      });
      const accepted = { callbackId: claims.callbackId, deliveryId };
      // A browser's form submission (from the approval page) is thanked with a page, not JSON.
      const answer = (status: number, json: object) =>
        state.html ? sendPage(res, status, renderThankYouPage({ decision: (data as { decision?: unknown } | null)?.decision })) : res.status(status).json(json);
      if (waitSeconds !== undefined) {
        const reply = await deliverSync(deps.client, claims.workflowId, delivery, waitSeconds);
        if (reply) {
          res.set('Preference-Applied', `wait=${waitSeconds}`);
          answer(200, { status: reply.outcome, ...accepted, callbackStatus: reply.status, reply: reply.reply });
          return;
        }
        // No worker answered in time: fall back to the durable signal, as if asynchronous.
      }
      await signalWorkflow(deps.client, claims.workflowId, delivery, timeoutMs);
      answer(202, { status: 'accepted', ...accepted });
    };

  const getAllowed: RequestHandler = (req, res, next) => {
    // Express routes HEAD to GET handlers; a HEAD must never deliver anything.
    if (req.method === 'HEAD') throw methodNotAllowed('HEAD does not deliver a callback; use POST.', DELIVERY_METHODS);
    if (!authenticated(res).claims.allowGet) {
      throw methodNotAllowed(
        'This callback does not accept GET (link previews and crawlers send GETs); send the delivery with POST or PUT.',
        DELIVERY_METHODS,
      );
    }
    next();
  };
  const refuseOtherMethods: RequestHandler = (req) => {
    throw methodNotAllowed(`${req.method} does not deliver a callback; use POST or PUT.`, DELIVERY_METHODS);
  };

  // A GET that accepts HTML (a person's browser, or a link preview) gets the approval page and
  // never delivers; other GETs deliver only with allowGet.
  const approvalPage = showApprovalPage(deps.client, timeoutMs, logger);

  // The plain URL completes, so a sender that only knows "POST JSON to the URL" just works.
  for (const path of ['/callbacks/:token', '/callbacks/:token/complete']) {
    app
      .route(path)
      .post(markHtmlRequests, limitIp, auth, limitKey, body, deliver('complete'))
      .put(markHtmlRequests, limitIp, auth, limitKey, body, deliver('complete'))
      .get(markHtmlRequests, limitIp, auth, limitKey, approvalPage, getAllowed, checkSignature, deliver('complete'))
      .all(refuseOtherMethods);
  }
  for (const kind of ['fail', 'heartbeat'] as const) {
    app
      .route(`/callbacks/:token/${kind}`)
      .post(limitIp, auth, limitKey, body, deliver(kind))
      .put(limitIp, auth, limitKey, body, deliver(kind))
      .all(refuseOtherMethods);
  }

  app.use(routeNotFound);
  app.use(errorHandler(logger));
  return app;
}
