import type { ApprovalAction, ApprovalOutcome, StandingDelegation, VerifiedApprover } from './approval-messages';
import type { NotificationReport } from './notification-messages';
import type { WorkflowRefusalCode } from './workflow-refusals';

/**
 * What crosses the wire between the gateway (or any client) and a workflow that waits for
 * callbacks: each delivery, the callbacks a workflow reports, its answers to a synchronous
 * delivery, and the URLs it publishes to its starter. Types only, sandbox-safe.
 */

/** HTTP methods that can deliver a callback. GET only for callbacks created with `allowGet`. */
export type CallbackMethod = 'POST' | 'PUT' | 'GET';

/**
 * What a sender reports: `complete` (the data resumes the wait), `fail` (the work failed),
 * `heartbeat` (still working, with optional progress).
 */
export type DeliveryKind = 'complete' | 'fail' | 'heartbeat';

/** One HTTP request to a callback URL, as the gateway hands it to the workflow. */
export interface CallbackDelivery {
  /** Which of the workflow's callbacks the request was for. */
  callbackId: string;
  /** The sender's `Idempotency-Key` or `webhook-id`, or an id the gateway assigned; a repeated id is applied once. */
  deliveryId: string;
  /** Which route the sender used. */
  kind: DeliveryKind;
  method: CallbackMethod;
  /** The request's media type without parameters (e.g. `application/json`), or null without a body. */
  contentType: string | null;
  /**
   * The parsed body: JSON as sent, a form as an object of strings, text as a string, null when
   * there was no body. For GET, the query parameters.
   */
  data: unknown;
  /** Query parameters of the request, without `wait` and secret-looking names (`api_key`, `token`, `password`, ...). */
  query: Record<string, string | string[]>;
  /** Request headers minus credentials, cookies and hop-by-hop headers; names lower-case. */
  headers: Record<string, string>;
  /** When the gateway received the request (ISO 8601, gateway clock). */
  receivedAt: string;
  /** Id (never the secret) of the API key that authorised the request, if one did. */
  apiKeyId?: string;
  /** For a webhook wait: the provider event that matched it (its source, event type and key). */
  webhook?: WebhookMatch;
  /**
   * For an approval's vote: the person the gateway identified (OIDC sign-in, Slack's signed
   * request) or a link holder. Set by the gateway only; nothing in a request's body sets it.
   */
  approver?: VerifiedApprover;
  /** For an approval's vote: the action digest the URL's token binds. Set by the gateway from the verified token. */
  actionDigest?: string;
  /**
   * The link generation of the URL the request came through (absent: the callback's first link).
   * Set by the gateway from the verified token only; the workflow refuses a link older than its
   * current one with `CALLBACK_LINK_REPLACED`. `null` for a vote from the inbox, which names the
   * approval by workflow and callback id behind the person's sign-in, through no link at all.
   */
  link?: number | null;
  /**
   * For an approval's vote: the out-of-office delegations the voter holds (read by the gateway
   * from their `standingDelegations` workflow, never from a body). The workflow judges whether
   * one lets them vote on someone's behalf.
   */
  standingDelegations?: StandingDelegation[];
}

/** Which provider event reached a webhook wait: the gateway's source name, the event type and the key it was routed by. */
export interface WebhookMatch {
  source: string;
  event: string;
  key: string;
}

/** The error a sender reports on the `fail` route. */
export interface CallbackFailureInfo {
  message: string;
  type?: string;
  details?: unknown;
}

/** What every wait result carries when the callback told people about itself (`createCallback`'s `notify` or `escalate`). */
export interface CallbackNotified {
  /**
   * What became of each notification: sent, withdrawn once the wait ended, or why not. Present only
   * when the callback had notify or escalation channels (empty when nothing was due yet).
   */
  notifications?: NotificationReport[];
}

/** What {@link Callback.wait} yields when the callback completed. */
export interface CallbackReceived<T = unknown> extends Omit<CallbackDelivery, 'data' | 'kind'>, CallbackNotified {
  status: 'received';
  /** The data of the delivery that completed the wait (for a stream, the last one). */
  data: T;
  /** Every accepted delivery, in arrival order (one for a one-shot callback). */
  deliveries: CallbackDelivery[];
}

/** What {@link Callback.wait} yields when the sender reported failure. */
export interface CallbackFailed extends CallbackNotified {
  status: 'failed';
  callbackId: string;
  error: CallbackFailureInfo;
  deliveryId: string;
  receivedAt: string;
}

/** What {@link Callback.wait} yields when no delivery arrived in time. */
export interface CallbackTimedOut extends CallbackNotified {
  status: 'timed_out';
  callbackId: string;
}

/** What {@link Callback.wait} yields when a `heartbeatTimeout` passed without a heartbeat. */
export interface CallbackHeartbeatTimedOut extends CallbackNotified {
  status: 'heartbeat_timed_out';
  callbackId: string;
  /** The last progress reported, if any. */
  lastProgress?: CallbackProgress;
}

/** What {@link Callback.wait} yields when the workflow revoked the callback. */
export interface CallbackRevoked extends CallbackNotified {
  status: 'revoked';
  callbackId: string;
}

/** The result of waiting on a callback: branch on `status`. */
export type CallbackWaitResult<T = unknown> =
  | CallbackReceived<T>
  | CallbackFailed
  | CallbackTimedOut
  | CallbackHeartbeatTimedOut
  | CallbackRevoked;

/** The latest progress a sender reported with a heartbeat. */
export interface CallbackProgress {
  data: unknown;
  receivedAt: string;
  deliveryId: string;
}

/** One way a payload failed its schema. */
export interface PayloadIssue {
  path: string;
  message: string;
}

/** `once`: the first accepted delivery completes the callback. `stream`: deliveries accumulate until `wait({ until })` holds or the workflow closes the callback. */
export type CallbackMode = 'once' | 'stream';

/** The kinds of input an approval page can show: one line, several lines, a number, or a choice. */
export type CallbackFormFieldType = 'text' | 'textarea' | 'number' | 'select';

/**
 * One input of the form a person fills in on the callback's approval page (what a browser shows
 * at the callback URL). Submitted values arrive in the delivery's data as strings, next to
 * `decision` (`'approve'` or `'reject'`); an unfilled field arrives as `''`.
 */
export interface CallbackFormField {
  /** The key of the value in the delivery's data: a letter, then up to 63 of A-Z a-z 0-9 _ . -; not `decision`. */
  name: string;
  /** What the page shows next to the input. */
  label: string;
  type: CallbackFormFieldType;
  /** The choices of a `select` field (required for it, not allowed for other types). */
  options?: string[];
  /** The browser asks for a value before it submits an approval (a rejection may leave it empty). */
  required?: boolean;
}

/** A callback's state as the `callbacks` query reports it. Never includes the URL or any key. */
export interface CallbackInfo {
  id: string;
  label?: string;
  /** What is being asked, as given to `createCallback` (shown on the approval page). */
  title?: string;
  /** More about what is being asked, as given to `createCallback`. */
  description?: string;
  /** The inputs the approval page shows, as given to `createCallback`. */
  form?: CallbackFormField[];
  mode: CallbackMode;
  status: CallbackStatus;
  createdAt: string;
  expiresAt: string;
  /** Accepted deliveries (complete route). */
  deliveries: number;
  lastProgress?: CallbackProgress;
  /** Deliveries refused after they reached the workflow, newest last (the latest 20). */
  rejected: RejectedDelivery[];
  /** For a webhook wait (`createWebhookWait`): the source, the event type it takes (if narrowed) and the key. */
  webhook?: WebhookSubscriptionInfo;
  /**
   * For an approval (`requestApproval`): the action a person decides on, as the approval page
   * shows it, and its current digest (a vote for another digest is refused `ACTION_CHANGED`);
   * once decided, its outcome, which the page (a mailed link) shows instead of the buttons.
   */
  approval?: { action: ApprovalAction; actionDigest: string; outcome?: ApprovalOutcome };
  /** The current link generation, once the callback's URL was reissued (absent: its first link is current). */
  link?: number;
}

/** What a webhook wait listens for: a gateway source, optionally one event type, and the key derived from each event. */
export interface WebhookSubscriptionInfo {
  source: string;
  event?: string;
  key: string;
}

/** How far a callback has got. */
export type CallbackStatus = 'pending' | 'completed' | 'failed' | 'timed_out' | 'revoked';

/** Why the workflow refused a delivery that reached it: the same code the gateway answers a synchronous sender with. */
export type RejectionReason = WorkflowRefusalCode;

/** A delivery the workflow refused, kept for the `callbacks` query. */
export interface RejectedDelivery {
  deliveryId: string;
  kind: DeliveryKind;
  reason: RejectionReason;
  receivedAt: string;
  issues?: PayloadIssue[];
}

/** What became of one delivery, as far as the workflow knows. */
export type DeliveryOutcome = 'applied' | 'refused' | 'unknown';

/** What the workflow says about one callback: the `durableCallbacks.status` query's answer. */
export interface CallbackStatusReport {
  status: CallbackStatus;
  mode: CallbackMode;
  /** When the URL stops being accepted (ISO 8601). */
  expiresAt: string;
  /** JSON Schema of the data the callback takes, when the workflow's schema can describe itself (Standard JSON Schema: zod 4 classic, not zod mini). */
  schema?: Record<string, unknown>;
  /**
   * The outcome of the delivery asked about: `applied` (taken once; repeats of its id change
   * nothing), `refused` (with the refusal code and schema issues; the workflow keeps the latest
   * 20 refusals per callback) or `unknown` (never reached this workflow, or refused longer ago).
   */
  delivery?: { deliveryId: string; outcome: DeliveryOutcome; reason?: RejectionReason; issues?: PayloadIssue[] };
  /** The current link generation, once the callback's URL was reissued (absent: its first link is current). */
  link?: number;
}

/**
 * What a workflow's run knows of one delivery id of one of its callbacks: the
 * `durableCallbacks.receipt` query's answer. Asked of the last run of a closed chain, which
 * carries the delivery-id memory of every run before it, so a retry's receipt costs one query
 * however long the chain.
 */
export interface DeliveryReceipt {
  /**
   * `applied` (taken once), `refused` (it reached the workflow, which refused it; kept for the
   * latest 20 refusals per callback) or `unknown` (it never reached a run that carried the
   * callback, or was refused longer ago).
   */
  outcome: DeliveryOutcome;
  /** For a delivery applied by a synchronous delivery (an update): the callback status and the reply its answer carried. */
  answer?: { status: CallbackStatus; reply: unknown };
}

/** What a synchronous delivery (a Temporal update) returns to the gateway. */
export interface SyncDeliveryResult {
  /** `accepted` for a new delivery, `duplicate` when this delivery id was already applied. */
  outcome: 'accepted' | 'duplicate';
  status: CallbackStatus;
  reply: unknown;
  /**
   * `receivedAt` of the request this result answered first. Temporal answers a repeated update
   * id with the stored result, so a different `receivedAt` tells the gateway it answers a repeat.
   */
  receivedAt?: string;
}

/** What the `awaitCallback` workflow answers a client that starts it with update-with-start. */
export interface AwaitCallbackUrl {
  /** The callback URL to hand to the external system. */
  url: string;
  /** The callback's id within the workflow. */
  callbackId: string;
  /** When the URL stops being accepted (ISO 8601). */
  expiresAt: string;
}

/** One callback URL a workflow minted, as {@link PublishedCallbackUrls} lists it. */
export interface MintedCallbackUrl extends AwaitCallbackUrl {
  /** The callback's label (`createCallback({ label })`), when it has one. */
  label?: string;
}

/**
 * What a client asks a workflow that called `publishCallbackUrls()` for (the
 * `durableCallbacks.callbackUrls` update): the answer comes once the workflow has minted
 * `count` URLs (default 1) and, with `label`, one with that label.
 */
export interface CallbackUrlsRequest {
  /** Wait for the callback with this label; the answer's `url` is its URL. */
  label?: string;
  /** Wait until at least this many URLs are minted. Default 1. */
  count?: number;
  /** Fail the update with `CALLBACK_URL_NOT_MINTED` when the URLs are not minted within this many ms (workflow time). */
  timeoutMs?: number;
}

/**
 * A workflow's answer to {@link CallbackUrlsRequest}: the URL asked for (the labelled one, or
 * else the first minted) and every URL minted so far, keyed by label (the first callback with
 * that label) or else by callback id.
 */
export interface PublishedCallbackUrls extends MintedCallbackUrl {
  callbacks: Record<string, MintedCallbackUrl>;
}

/** What an operator asks for with the `durableCallbacks.reissueCallback` update: a new URL for one pending callback. */
export interface ReissueCallbackRequest {
  callbackId: string;
  /**
   * How long the new URL is accepted, as a Temporal duration string or milliseconds (capped at the
   * wait's own end). Default: as the callback's first URL (its `linkExpiresIn`, else the wait's end).
   */
  linkExpiresIn?: string | number;
}

/** The answer to {@link ReissueCallbackRequest}: the new URL (the old one is refused from now on) and its generation and expiry. */
export interface ReissuedCallbackUrl {
  callbackId: string;
  /** The new URL. A bearer secret: hand it only to whoever should deliver or decide. */
  url: string;
  /** The new link generation (1 for the first reissue). */
  link: number;
  /** When the new URL stops being accepted (ISO 8601). */
  expiresAt: string;
}
