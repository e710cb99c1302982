import type { Client } from '@temporalio/client';
import express, { type RequestHandler } from 'express';
import type { ApiKeyStore } from '../lib/api-keys';
import { CallbackError } from '../lib/errors';
import { silentLogger, type Logger } from '../lib/logger';
import type { CallbackTokenVerifier } from '../lib/verify-callback-token';
import { authenticate } from './authenticate';
import { buildDelivery, deliveryIdOf } from './build-delivery';
import { DEFAULT_MAX_BODY_BYTES, readBody } from './read-body';
import { requestContext } from './request-context';
import { errorHandler, routeNotFound } from './respond-with-error';
import { signalWorkflow } from './signal-workflow';

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
}

const DELIVERY_METHODS = 'POST, PUT';

function methodNotAllowed(message: string, allow: string): CallbackError {
  return new CallbackError('METHOD_NOT_ALLOWED', message, { headers: { Allow: allow } });
}

function logRequests(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const context = requestContext(res);
      // The path is logged as its route pattern: the real path holds the token.
      logger.info('request', {
        method: req.method,
        route: (req.route as { path?: string } | undefined)?.path ?? 'unmatched',
        status: res.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        workflowId: context.claims?.workflowId,
        callbackId: context.claims?.callbackId,
        deliveryId: context.deliveryId,
        apiKeyId: context.apiKey?.id,
        errorCode: context.errorCode,
      });
    });
    next();
  };
}

/**
 * Builds the callback gateway: an Express app that verifies each request to
 * `/callbacks/:token` and turns it into a durable Temporal signal, answering 202 only once
 * Temporal has recorded it. Listen on it yourself (`app.listen(port)`); see `server.ts`.
 *
 * Routes: `POST|PUT /callbacks/:token` deliver; `GET /callbacks/:token` delivers only for
 * callbacks created with `allowGet`; `GET /healthz`; `GET /readyz`.
 */
export function createGateway(deps: GatewayDeps): express.Express {
  const logger = deps.logger ?? silentLogger;
  const timeoutMs = deps.temporalCallTimeoutMs ?? DEFAULT_TEMPORAL_CALL_TIMEOUT_MS;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(logRequests(logger));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    try {
      await deps.client.connection.withDeadline(Date.now() + Math.min(timeoutMs, 2_000), () => deps.client.workflowService.getSystemInfo({}));
      res.json({ status: 'ready', temporal: 'reachable' });
    } catch {
      res.set('Retry-After', '5').status(503).json({ status: 'unready', temporal: 'unreachable' });
    }
  });

  const deliver: RequestHandler = async (req, res) => {
    const context = requestContext(res);
    const claims = context.claims!;
    const deliveryId = deliveryIdOf(req);
    context.deliveryId = deliveryId;
    const delivery = buildDelivery(req, {
      callbackId: claims.callbackId,
      deliveryId,
      contentType: context.body?.contentType ?? null,
      data: context.body?.data ?? null,
      apiKeyId: context.apiKey?.id,
    });
    await signalWorkflow(deps.client, claims.workflowId, delivery, timeoutMs);
    res.status(202).json({ status: 'accepted', callbackId: claims.callbackId, deliveryId });
  };

  const auth = authenticate(deps.verifier, deps.apiKeys);
  const body = readBody(deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  const getAllowed: RequestHandler = (req, res, next) => {
    // Express routes HEAD to GET handlers; a HEAD must never deliver anything.
    if (req.method === 'HEAD') throw methodNotAllowed('HEAD does not deliver a callback; use POST.', DELIVERY_METHODS);
    if (!requestContext(res).claims?.allowGet) {
      throw methodNotAllowed(
        'This callback does not accept GET (link previews and crawlers send GETs); send the delivery with POST or PUT.',
        DELIVERY_METHODS,
      );
    }
    next();
  };

  app
    .route('/callbacks/:token')
    .post(auth, body, deliver)
    .put(auth, body, deliver)
    .get(auth, getAllowed, deliver)
    .all((req) => {
      throw methodNotAllowed(`${req.method} does not deliver a callback; use POST or PUT.`, DELIVERY_METHODS);
    });

  app.use(routeNotFound);
  app.use(errorHandler(logger));
  return app;
}
