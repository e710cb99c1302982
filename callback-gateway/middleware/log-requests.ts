import type { Request, RequestHandler } from 'express';
import type { Logger } from '../logger';
import { requestState } from '../request-state';

/**
 * The route pattern a request matched (`/callbacks/:token/fail`), or `unmatched`: what logs and
 * metrics name a request by, since its real path holds the callback token.
 */
export function routePattern(req: Request): string {
  return (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
}

/**
 * Logs one `request` line per answered request: request id, method, route pattern, status,
 * time taken, and what the gateway learned about it (workflow id, callback id, delivery id, API
 * key id, error code, and for a refused token why and the id of the key it named). Never the path, the token or a key's secret: the path holds the token.
 */
export function logRequests(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const state = requestState(res);
      logger.info('request', {
        requestId: state.requestId,
        method: req.method,
        route: routePattern(req),
        status: res.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        workflowId: state.claims?.workflowId,
        callbackId: state.claims?.callbackId,
        deliveryId: state.deliveryId,
        apiKeyId: state.callback?.apiKey?.id,
        errorCode: state.errorCode,
        reason: state.tokenRefusal?.reason,
        kid: state.tokenRefusal?.kid,
      });
    });
    next();
  };
}
