import type { ActivityOptions, Duration } from '@temporalio/common';

/**
 * Types shared by workflow code, the minting activity and the gateway. Sandbox-safe: this file
 * holds types only.
 */

/** HTTP methods that can deliver a callback. GET only for callbacks created with `allowGet`. */
export type CallbackMethod = 'POST' | 'PUT' | 'GET';

/** One HTTP request to a callback URL, as the gateway hands it to the workflow (by signal). */
export interface CallbackDelivery {
  /** Which of the workflow's callbacks the request was for. */
  callbackId: string;
  /** The sender's `Idempotency-Key` or `webhook-id`, or an id the gateway assigned; a repeated id is ignored. */
  deliveryId: string;
  method: CallbackMethod;
  /** The request's media type without parameters (e.g. `application/json`), or null without a body. */
  contentType: string | null;
  /**
   * The parsed body: JSON as sent, a form as an object of strings, text as a string, null when
   * there was no body. For GET, the query parameters.
   */
  data: unknown;
  /** Query parameters of the request, without any `api_key`. */
  query: Record<string, string | string[]>;
  /** Request headers minus credentials, cookies and hop-by-hop headers; names lower-case. */
  headers: Record<string, string>;
  /** When the gateway received the request (ISO 8601, gateway clock). */
  receivedAt: string;
  /** Id (never the secret) of the API key that authorised the request, if one did. */
  apiKeyId?: string;
}

/** What {@link Callback.wait} yields when a delivery arrived. */
export interface CallbackReceived<T = unknown> extends Omit<CallbackDelivery, 'data'> {
  status: 'received';
  data: T;
}

/** What {@link Callback.wait} yields when no delivery arrived in time. */
export interface CallbackTimedOut {
  status: 'timed_out';
  callbackId: string;
}

/** The result of waiting on a callback: branch on `status`. */
export type CallbackWaitResult<T = unknown> = CallbackReceived<T> | CallbackTimedOut;

/** Options for `createCallback`. */
export interface CreateCallbackOptions {
  /** How long the URL is accepted, as a Temporal duration (`'2h'`, `'7 days'`, milliseconds). Default `'7d'`, at most 366 days. */
  expiresIn?: Duration;
  /**
   * Append the worker's configured API key (`CALLBACK_API_KEY`) to the URL as `api_key`, for senders
   * that cannot set headers. Implies {@link requireApiKey}.
   */
  includeApiKey?: boolean;
  /** Require every request to present a valid API key with the `workflows:execute` scope (header or query). */
  requireApiKey?: boolean;
  /**
   * Accept GET requests as deliveries (data = query parameters). Off by default: link previews in
   * chat and mail tools, crawlers and prefetchers issue GETs, and must never complete a callback.
   */
  allowGet?: boolean;
  /** Overrides for how the `generateCallbackUrl` activity is scheduled (task queue, timeouts, retries). */
  activityOptions?: ActivityOptions;
}

/** Options for {@link Callback.wait}. */
export interface WaitOptions {
  /**
   * How long to wait, as a Temporal duration. Defaults to the time left until the URL expires,
   * plus a short grace for requests already in flight: once the URL is dead, nothing can arrive.
   */
  timeout?: Duration;
}

/** A callback URL minted for the current workflow, and the way to wait for its delivery. */
export interface Callback {
  /** The callback's id, unique within the workflow (from the workflow's deterministic `uuid4()`). */
  readonly id: string;
  /** The URL to hand to the external system. A bearer secret: share it only with the sender. */
  readonly url: string;
  /** When the URL stops being accepted. */
  readonly expiresAt: Date;
  /**
   * Waits durably for the first delivery, or until the timeout. A delivery that arrived before
   * this call is returned at once.
   */
  wait<T = unknown>(options?: WaitOptions): Promise<CallbackWaitResult<T>>;
  /**
   * Like {@link wait}, but returns the delivery itself and throws a non-retryable
   * `ApplicationFailure` of type `CALLBACK_TIMED_OUT` on timeout.
   */
  waitOrThrow<T = unknown>(options?: WaitOptions): Promise<CallbackReceived<T>>;
}

/** Input of the `generateCallbackUrl` activity. The workflow id and namespace come from the activity's own context. */
export interface GenerateCallbackUrlInput {
  callbackId: string;
  /** Expiry as epoch milliseconds, computed from workflow time so replays agree. */
  expiresAt: number;
  includeApiKey: boolean;
  requireApiKey: boolean;
  allowGet: boolean;
}

/** Output of the `generateCallbackUrl` activity. */
export interface GenerateCallbackUrlResult {
  url: string;
}

/** The activities the workflow helpers call; register them on every worker that runs workflows using callbacks. */
export interface CallbackActivities {
  generateCallbackUrl(input: GenerateCallbackUrlInput): Promise<GenerateCallbackUrlResult>;
}
