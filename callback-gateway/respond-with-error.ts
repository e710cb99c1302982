import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { CallbackError, isCallbackError, type ErrorBody } from '../lib/errors';
import { describeError, type Logger } from '../lib/logger';
import { renderErrorPage, sendPage } from './approval-page';
import { requestContext } from './request-context';
import { requestIdOf } from './request-id';

/**
 * Sends `error` as `{"error":{"code","message"}}` with its status and headers; to a browser
 * (a request marked HTML) as a page showing the same code and message, with the same status.
 */
export function sendError(res: Response, error: CallbackError): void {
  const context = requestContext(res);
  context.errorCode = error.code;
  if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
  res.set(error.headers);
  if (context.html) return sendPage(res, error.status, renderErrorPage(error));
  const body: ErrorBody = { error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) } };
  res.status(error.status).json(body);
}

/** The JSON 404 for every path no route matches. */
export const routeNotFound: RequestHandler = (req, res) => {
  sendError(res, new CallbackError('ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path.startsWith('/callbacks/') ? '/callbacks/…' : req.path}.`));
};

/**
 * The last middleware: every error becomes a JSON answer with a stable code. Unexpected errors
 * are logged (without request data) and answered as `INTERNAL_ERROR`, never with their text.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const error = isCallbackError(err)
      ? err
      : new CallbackError('INTERNAL_ERROR', 'The gateway failed unexpectedly; the delivery was not accepted.', { cause: err });
    if (error.status >= 500) logger.error('callback request failed', { requestId: requestIdOf(res.locals), code: error.code, error: describeError(error.cause ?? error) });
    sendError(res, error);
  };
}
