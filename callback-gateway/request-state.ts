import type { Response } from 'express';
import type { ApiKeyInfo } from '../api-keys';
import type { CallbackClaims } from '../tokens/callback-token';
import { CallbackError, type CallbackErrorCode } from '../protocol/errors';
import type { TokenRefusal } from '../tokens/verify-callback-token';
import type { VerifiedApprover } from '../protocol/approval-messages';

/**
 * What the gateway learns about a request as it passes through the middleware, kept on
 * `res.locals` under one key. Each step that learns something records it here, and later steps
 * read it through the accessors below, typed: a handler that needs the authenticated callback or
 * the body gets it from {@link authenticated} or {@link receivedBody}, never as an optional
 * field.
 */

/**
 * What authentication proved about a callback request: the verified token's claims and, when the
 * callback requires one, the API key that came with it. Only the key's public record (id, name,
 * scopes), never its secret.
 */
export interface AuthenticatedCallback {
  /** The verified token's claims: which workflow and callback, and what the callback accepts. */
  claims: CallbackClaims;
  /** The API key presented, for callbacks that require one. */
  apiKey?: ApiKeyInfo;
}

/**
 * A vote to an approval's URL as the gateway identified it (`identifyVoter`): who (absent for a
 * link holder, whom the delivery id names), the digest of the action the URL's token binds, and
 * the data the workflow gets.
 */
export interface IdentifiedVote {
  approver?: VerifiedApprover;
  actionDigest: string;
  /** `{ decision, comment? }`, and `delegateTo` for a hand-off: nothing else of the body. */
  data: { decision: unknown; comment?: string; delegateTo?: unknown };
}

/** A request body as the gateway read it. */
export interface ReceivedBody {
  /** The declared media type, or null when there was no body. */
  contentType: string | null;
  /** The parsed body: JSON value, form fields or text; null when there was no body. */
  data: unknown;
  /**
   * The bytes as received on the wire, before any Content-Encoding (gzip, ...) is undone: what
   * senders sign, so what every signature (Standard Webhooks, GitHub, Stripe, Slack) is checked
   * over. `data` is parsed from the decoded bytes.
   */
  raw: Buffer;
}

/**
 * Everything recorded about one request. The optional fields are those a request may end
 * without (it can be refused before authentication, or never reach a handler); the request log
 * line and the metrics read them as they are.
 */
export interface RequestState {
  /** Set by the request-id middleware on every request. */
  requestId?: string;
  /**
   * What the callback token says, recorded as soon as it verifies (before any API key check), so
   * the log lines of refused requests still name their workflow and callback.
   */
  claims?: CallbackClaims;
  /** Set once authentication has passed (token and any API key); read with {@link authenticated}. */
  callback?: AuthenticatedCallback;
  /** Set by body reading; read with {@link receivedBody}. */
  body?: ReceivedBody;
  /** The delivery id, once a delivery handler has taken it from the request. */
  deliveryId?: string;
  /** The code the request was refused with, if it was. */
  errorCode?: CallbackErrorCode;
  /** Why its callback token was refused, and the key id it named (logged as `reason` and `kid`; never the token). */
  tokenRefusal?: TokenRefusal;
  /** Answer in HTML (a browser): the approval page, the thank-you page, errors as pages. */
  html: boolean;
  /** For a vote to an approval's URL: who voted and for what, as `identifyVoter` established it. Delivered synchronously only. */
  vote?: IdentifiedVote;
}

const LOCALS_KEY = 'callbackGateway';

/** The request's {@link RequestState}, created on first use. */
export function requestState(res: Response): RequestState {
  const locals = res.locals as { [LOCALS_KEY]?: RequestState };
  locals[LOCALS_KEY] ??= { html: false };
  return locals[LOCALS_KEY];
}

/**
 * The {@link AuthenticatedCallback} of a request that passed authentication. Throws
 * `INTERNAL_ERROR` (a 500, logged) when there is none: that means a route runs its handler
 * without the authentication middleware in front, and nothing may be delivered on it.
 */
export function authenticated(res: Response): AuthenticatedCallback {
  const { callback } = requestState(res);
  if (!callback) {
    throw new CallbackError('INTERNAL_ERROR', 'The gateway failed unexpectedly; the delivery was not accepted.', {
      cause: new Error('a callback route reached its handler without authentication'),
    });
  }
  return callback;
}

/** What a request that has no body, or whose body is never read (a GET: its query is its data), delivers. */
const NO_BODY: Readonly<ReceivedBody> = Object.freeze({ contentType: null, data: null, raw: Buffer.alloc(0) });

/**
 * The body the body-reading middleware recorded, or the empty body for routes that read none (a
 * GET delivers its query parameters instead, and is signed over an empty body).
 */
export function receivedBody(res: Response): ReceivedBody {
  return requestState(res).body ?? NO_BODY;
}
