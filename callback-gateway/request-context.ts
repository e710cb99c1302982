import type { Response } from 'express';
import type { CallbackClaims } from '../lib/callback-token';
import type { ApiKeyInfo } from '../lib/api-keys';
import type { CallbackErrorCode } from '../lib/errors';

/** What the middleware chain learns about a callback request, kept on `res.locals`. */
export interface CallbackRequestContext {
  claims?: CallbackClaims;
  apiKey?: ApiKeyInfo;
  /** The parsed body, and its raw bytes (what signatures are computed over). */
  body?: { contentType: string | null; data: unknown; raw: Buffer };
  deliveryId?: string;
  errorCode?: CallbackErrorCode;
  /** Answer in HTML (a browser): the approval page, the thank-you page, errors as pages. */
  html?: boolean;
}

/** The request's {@link CallbackRequestContext}, created on first use. */
export function requestContext(res: Response): CallbackRequestContext {
  const locals = res.locals as { callback?: CallbackRequestContext };
  locals.callback ??= {};
  return locals.callback;
}
