/**
 * The errors a callback request can end in, each with one stable machine-readable code and
 * exactly one HTTP status. Senders and tests branch on `code`; the message is for people. The
 * refusals a workflow itself answers with (`WORKFLOW_REFUSALS` in the protocol module) are among
 * them under the same names.
 */
export const ERROR_STATUS = {
  /** The token in the URL is malformed, tampered with, signed by an unknown key, or for another audience. */
  CALLBACK_TOKEN_INVALID: 401,
  /** The token was valid once, but its `exp` has passed. */
  CALLBACK_TOKEN_EXPIRED: 401,
  /** The callback requires an API key and none was presented. */
  API_KEY_MISSING: 401,
  /** The presented API key is not one this gateway knows. */
  API_KEY_INVALID: 401,
  /** The presented API key was revoked. */
  API_KEY_REVOKED: 401,
  /** The presented API key has passed its expiry. */
  API_KEY_EXPIRED: 401,
  /** The presented API key is valid but lacks the `workflows:execute` scope. */
  API_KEY_FORBIDDEN: 403,
  /** The HTTP method is not accepted for this callback (e.g. GET on a callback that did not opt in). */
  METHOD_NOT_ALLOWED: 405,
  /** The body could not be parsed in the content type it declared. */
  MALFORMED_BODY: 400,
  /** An `Idempotency-Key` or `webhook-id` header is present but unusable. */
  INVALID_DELIVERY_ID: 400,
  /** A signed callback's `Idempotency-Key` differs from the signed `webhook-id`, which is its delivery id. */
  DELIVERY_ID_MISMATCH: 400,
  /** `?wait=` is not a whole number of seconds. */
  INVALID_WAIT: 400,
  /** The body of a `fail` report lacks `{ "error": { "message": "..." } }`. */
  INVALID_FAILURE_REPORT: 422,
  /** (Synchronous mode) The payload fails the callback's schema; `issues` lists how. */
  PAYLOAD_INVALID: 422,
  /** An approval's vote is not `{ decision, comment? }`. */
  VOTE_INVALID: 422,
  /** An approval that takes signed-in votes only got one nobody identified. */
  APPROVER_NOT_IDENTIFIED: 401,
  /** The voter is not among the approval's approvers; nothing was recorded. */
  APPROVER_NOT_ELIGIBLE: 403,
  /** The person who asked for the approval tried to approve it; nothing was recorded. */
  SELF_APPROVAL_FORBIDDEN: 403,
  /** The voter's sign-in is older than the approval allows at decision time. */
  SIGN_IN_TOO_OLD: 401,
  /** The vote is for an earlier version of the action: the page was stale. */
  ACTION_CHANGED: 409,
  /** The approval asks for a comment with this decision. */
  COMMENT_REQUIRED: 422,
  /** The voter handed the request to a delegate, whose say it is now; nothing was recorded. */
  DELEGATED_AWAY: 403,
  /** A delegate tried to hand on a request they hold on someone's behalf; nothing was recorded. */
  DELEGATION_CHAIN_FORBIDDEN: 403,
  /** The person named as delegate cannot take the request (the voter, the initiator, someone who voted or already holds a say); nothing was recorded. */
  DELEGATE_NOT_ELIGIBLE: 422,
  /** An out-of-office delegation (`/inbox/delegation`) without a delegate's email, or without an `until` in the next 180 days; nothing was set. */
  DELEGATION_INVALID: 422,
  /** (Synchronous mode) The callback was already completed by a different delivery. */
  CALLBACK_ALREADY_COMPLETED: 409,
  /** (Synchronous mode) The wait is over: timed out, revoked or failed. */
  CALLBACK_CLOSED: 410,
  /**
   * The URL was replaced by a newer link for the same wait (the workflow reissued it): the wait
   * has not ended; ask whoever sent the link for the current one. A retry of a delivery made
   * through it before the reissue still gets its answer.
   */
  CALLBACK_LINK_REPLACED: 410,
  /** (Synchronous mode) The workflow does not know this callback: an earlier run minted it and did not carry it over. */
  CALLBACK_UNKNOWN: 410,
  /** The JSON body nests deeper than the gateway accepts. */
  BODY_TOO_DEEP: 400,
  /**
   * The JSON body holds a number that would not arrive as sent: one beyond ±(2^53−1), where
   * integers lose digits (a 64-bit id), or one too large for a number at all (`1e400`).
   */
  NUMBER_NOT_EXACT: 400,
  /** The request could not be parsed as HTTP. */
  MALFORMED_REQUEST: 400,
  /** The callback requires a Standard Webhooks signature and the request has none. */
  SIGNATURE_MISSING: 401,
  /** The Standard Webhooks signature does not match the body. */
  SIGNATURE_INVALID: 401,
  /** The Standard Webhooks timestamp is missing, malformed, or outside the tolerance (replay protection). */
  SIGNATURE_TIMESTAMP_INVALID: 401,
  /** The request did not arrive completely within the request timeout. */
  REQUEST_TIMEOUT: 408,
  /** Too many requests from this client or API key; `Retry-After` says when to retry. */
  RATE_LIMITED: 429,
  /** The request line and headers together exceed the gateway's limit. */
  HEADERS_TOO_LARGE: 431,
  /** The body's content type is not one the gateway accepts. */
  UNSUPPORTED_CONTENT_TYPE: 415,
  /** The body is larger than the configured limit. */
  PAYLOAD_TOO_LARGE: 413,
  /** No workflow with the callback's workflow id exists. */
  WORKFLOW_NOT_FOUND: 404,
  /** The workflow that minted the callback has already closed. */
  WORKFLOW_CLOSED: 410,
  /** The execution that minted the callback has closed and a later execution reuses its workflow id; the URL never reaches it. */
  EXECUTION_REPLACED: 410,
  /** Temporal could not be reached, or did not confirm in time; the delivery may not be recorded: retry with the same delivery id. */
  TEMPORAL_UNAVAILABLE: 503,
  /**
   * The gateway could not tell in time whether this delivery id was recorded by the callback's
   * execution chain: no worker answered the receipt query, and the chain's history was not read
   * through (the deadline passed, or a run's history is gone). Not a `410`, which would say
   * nothing was applied; retry with the same delivery id.
   */
  RECEIPT_UNAVAILABLE: 503,
  /**
   * The callback requires a Standard Webhooks signature from a sender the gateway has no secret
   * for (`WEBHOOK_SECRETS`): the gateway's configuration, not the request, is wrong. Nothing was
   * delivered; a retry succeeds once an operator adds the secret.
   */
  SIGNATURE_SENDER_NOT_CONFIGURED: 503,
  /** `POST /webhooks/:source` names a source the gateway is not configured for (`WEBHOOK_SOURCES_FILE`). */
  WEBHOOK_SOURCE_UNKNOWN: 404,
  /** A provider webhook's signature is missing, malformed, or does not match the body with the source's secret. */
  WEBHOOK_SIGNATURE_INVALID: 401,
  /** A provider webhook's signed timestamp is more than five minutes from the gateway's clock (a replay, or a clock far off). */
  WEBHOOK_TIMESTAMP_STALE: 401,
  /** A verified provider webhook lacks what that provider always sends (its delivery id or event type), or its body is not an event. */
  WEBHOOK_EVENT_MALFORMED: 400,
  /**
   * A verified provider webhook's key values are not well-formed Unicode (a lone UTF-16
   * surrogate, as a JSON `\ud800` escape gives): its key would reach the mailbox of another key.
   * Nothing was held.
   */
  WEBHOOK_KEY_MALFORMED: 422,
  /**
   * The source holds as many events as it may (`WEBHOOK_MAX_HELD_EVENTS`, counted in Temporal's
   * visibility): nothing of this event was held. A retry after `Retry-After` succeeds once held
   * events expire or are taken.
   */
  WEBHOOK_SOURCE_FULL: 503,
  /**
   * The approval takes votes only from people who sign in, and this gateway has no OpenID Connect
   * provider configured (`OIDC_ISSUER`): the gateway's configuration, not the request, is wrong.
   * Nothing was recorded.
   */
  SIGN_IN_NOT_CONFIGURED: 503,
  /**
   * A Slack click (`POST /approvals/slack`, signature verified) came from a workspace not listed in
   * `SLACK_TEAM_IDS`, such as a Slack Connect partner's: its user ids name nobody this gateway
   * vouches for. Nothing was recorded.
   */
  SLACK_WORKSPACE_NOT_ALLOWED: 403,
  /**
   * A verified Slack click whose button is not an approval's (its value is not
   * `approve|<token>` / `reject|<token>`, or the token's callback is not an approval taking
   * identified votes). The person is told so in Slack; nothing was recorded.
   */
  SLACK_BUTTON_INVALID: 400,
  /** `/callbacks/{token}/sign-in` for a URL that is not an approval taking signed-in votes: there is nothing to sign in for. */
  SIGN_IN_NOT_NEEDED: 400,
  /**
   * The sign-in's return to the gateway (`/auth/oidc/callback`) came without its transaction
   * cookie, or with one that is forged or older than ten minutes: start the sign-in again.
   */
  SIGN_IN_EXPIRED: 400,
  /** The sign-in's return carries a `state` other than the one the gateway sent: a forged or crossed sign-in. */
  SIGN_IN_STATE_MISMATCH: 400,
  /** The OpenID Connect provider answered the sign-in with an error (the person cancelled, or was refused). */
  SIGN_IN_DENIED: 403,
  /**
   * The sign-in's code could not be exchanged, or the ID token failed validation (issuer,
   * audience, nonce, signature, `auth_time`): a replayed or forged sign-in. No session was made.
   */
  SIGN_IN_FAILED: 401,
  /** The OpenID Connect provider could not be reached (discovery or the token endpoint); retry later. */
  SIGN_IN_PROVIDER_UNAVAILABLE: 503,
  /** `/inbox` (or a decision from it) without a sign-in session: sign in first (a browser is sent to `/inbox/sign-in`). */
  SIGN_IN_REQUIRED: 401,
  /** The session cookie is forged, expired, or from another provider: sign in again. */
  SESSION_INVALID: 401,
  /** A signed-in vote without the approval page's CSRF token, or with one made for another session or callback. */
  CSRF_TOKEN_INVALID: 403,
  /** An approval's URL takes votes only (POST to the URL itself): it has no `fail` or `heartbeat` route, and a GET never votes. */
  NOT_A_VOTE: 404,
  /** No route matches the request path. */
  ROUTE_NOT_FOUND: 404,
  /**
   * `GET /.well-known/jwks.json` on a gateway that publishes no approval receipt keys (in production
   * without `APPROVAL_RECEIPT_PUBLIC_KEYS_FILE`): receipts cannot be verified against this gateway.
   */
  RECEIPT_KEYS_NOT_PUBLISHED: 404,
  /** An unexpected failure inside the gateway; the delivery was not accepted. */
  INTERNAL_ERROR: 500,
} as const satisfies Record<string, number>;

/** A stable code naming why a callback request was refused. */
export type CallbackErrorCode = keyof typeof ERROR_STATUS;

/** Options that add context to a {@link CallbackError}. */
export interface CallbackErrorOptions {
  /** The underlying error, kept for logs; never sent to the client. */
  cause?: unknown;
  /** Seconds after which a retry may succeed; sent as `Retry-After`. */
  retryAfterSeconds?: number;
  /** Extra response headers, e.g. `Allow` for 405. */
  headers?: Record<string, string>;
  /** Machine-readable detail sent with the error, e.g. schema `issues` for 422. */
  issues?: ReadonlyArray<{ path: string; message: string }>;
}

/**
 * An error with a stable {@link CallbackErrorCode} and the HTTP status that code maps to.
 * The gateway turns it into `{"error":{"code","message"}}`; anything else becomes `INTERNAL_ERROR`.
 */
export class CallbackError extends Error {
  override readonly name = 'CallbackError';
  /** The stable machine-readable code. */
  readonly code: CallbackErrorCode;
  /** The HTTP status for {@link code}, from {@link ERROR_STATUS}. */
  readonly status: number;
  /** Seconds after which a retry may succeed, if any. */
  readonly retryAfterSeconds?: number;
  /** Extra response headers. */
  readonly headers: Record<string, string>;
  /** Machine-readable detail sent with the error. */
  readonly issues?: ReadonlyArray<{ path: string; message: string }>;

  constructor(code: CallbackErrorCode, message: string, options: CallbackErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers ?? {};
    this.issues = options.issues;
  }
}

/** True when `err` is a {@link CallbackError}, checked by name and code so it works across module copies. */
export function isCallbackError(err: unknown): err is CallbackError {
  return (
    err instanceof Error &&
    err.name === 'CallbackError' &&
    typeof (err as Partial<CallbackError>).code === 'string' &&
    (err as CallbackError).code in ERROR_STATUS
  );
}

/** The JSON body of every refused request. */
export interface ErrorBody {
  error: { code: CallbackErrorCode; message: string; issues?: ReadonlyArray<{ path: string; message: string }> };
}
