import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { CallbackError, isCallbackError, type ErrorBody } from '../protocol/errors';
import { describeError, type Logger } from './logger';
import { renderErrorPage, sendPage } from './html-pages';
import { requestState } from './request-state';

/**
 * Sends `error` as `{"error":{"code","message"}}` with its status and headers; to a browser
 * (a request marked HTML) as a page showing the same code and message, with the same status.
 */
export function sendError(res: Response, error: CallbackError): void {
  const state = requestState(res);
  state.errorCode = error.code;
  if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
  res.set(error.headers);
  if (state.html) return sendPage(res, error.status, renderErrorPage(error));
  const body: ErrorBody = { error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) } };
  res.status(error.status).json(body);
}

/** The JSON 404 for every path no route matches. */
export const routeNotFound: RequestHandler = (req, res) => {
  // The path is not echoed: a mistyped route may still hold a token.
  sendError(res, new CallbackError('ROUTE_NOT_FOUND', `No route for this ${req.method} request; callback URLs look like /callbacks/<token>.`));
};

/** Express's router cannot percent-decode a path parameter (e.g. `%ff`): the URL is malformed, not the gateway broken. */
function isUndecodablePath(err: unknown): boolean {
  return err instanceof URIError || (err instanceof Error && (err as { status?: number }).status === 400 && err.message.startsWith('Failed to decode param'));
}

/**
 * The last middleware: every error becomes a JSON answer with a stable code. Unexpected errors
 * are logged (without request data) and answered as `INTERNAL_ERROR`, never with their text.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const error = isCallbackError(err)
      ? err
      : isUndecodablePath(err)
        ? req.path.startsWith('/callbacks/')
          ? new CallbackError('CALLBACK_TOKEN_INVALID', 'The callback URL is not valid: its token is malformed, altered, or was not issued by this service.')
          : new CallbackError('ROUTE_NOT_FOUND', 'No route for this request.')
        : new CallbackError('INTERNAL_ERROR', 'The gateway failed unexpectedly; the delivery was not accepted.', { cause: err });
    if (error.code === 'CALLBACK_TOKEN_INVALID' && !isCallbackError(err)) requestState(res).tokenRefusal = { reason: 'malformed' };
    // A missing webhook secret is logged once per sender where it is found, not on every retry.
    if (error.status >= 500 && error.code !== 'SIGNATURE_SENDER_NOT_CONFIGURED') logger.error('callback request failed', { requestId: requestState(res).requestId, code: error.code, error: describeError(error.cause ?? error) });
    sendError(res, error);
  };
}
