import type { ActivityOptions, Duration } from '@temporalio/common';
import type { WorkflowRefusalCode } from './workflow-refusals';

/**
 * Types shared by workflow code, the minting activity and the gateway. Sandbox-safe: this file
 * holds types only.
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

/** What {@link Callback.wait} yields when the callback completed. */
export interface CallbackReceived<T = unknown> extends Omit<CallbackDelivery, 'data' | 'kind'> {
  status: 'received';
  /** The data of the delivery that completed the wait (for a stream, the last one). */
  data: T;
  /** Every accepted delivery, in arrival order (one for a one-shot callback). */
  deliveries: CallbackDelivery[];
}

/** What {@link Callback.wait} yields when the sender reported failure. */
export interface CallbackFailed {
  status: 'failed';
  callbackId: string;
  error: CallbackFailureInfo;
  deliveryId: string;
  receivedAt: string;
}

/** What {@link Callback.wait} yields when no delivery arrived in time. */
export interface CallbackTimedOut {
  status: 'timed_out';
  callbackId: string;
}

/** What {@link Callback.wait} yields when a `heartbeatTimeout` passed without a heartbeat. */
export interface CallbackHeartbeatTimedOut {
  status: 'heartbeat_timed_out';
  callbackId: string;
  /** The last progress reported, if any. */
  lastProgress?: CallbackProgress;
}

/** What {@link Callback.wait} yields when the workflow revoked the callback. */
export interface CallbackRevoked {
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

/**
 * A payload schema: anything with zod's `safeParse` shape, so workflows can pass a zod schema
 * (or a hand-written check) without this package loading a schema library into the sandbox,
 * where each workflow would pay for its modules (see docs/workflow-authors.md).
 */
export interface PayloadSchema<T = unknown> {
  safeParse(data: unknown):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
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

/** Options for `createCallback`. */
export interface CreateCallbackOptions<T = unknown> {
  /** A name for this callback in results and queries, e.g. the approver's name. */
  label?: string;
  /**
   * What is being asked, as the approval page's heading (at most 200 characters). Not secret:
   * shown to whoever opens the URL in a browser and listed by the `callbacks` query.
   */
  title?: string;
  /** More about what is being asked, shown under the title (at most 4,000 characters, plain text). Not secret. */
  description?: string;
  /**
   * Inputs the approval page shows above its Approve and Reject buttons (at most 20; a `select`
   * has 1 to 100 options; no field may be named `decision`). Their values arrive in the
   * delivery's data next to `decision`. Not secret.
   */
  form?: CallbackFormField[];
  /**
   * How long the wait lasts by default, as a Temporal duration. When given, the URL expires five
   * minutes after this deadline (for clock skew and requests in flight), so it never outlives its
   * wait by much.
   */
  timeout?: Duration;
  /** How long the URL is accepted. Default: `timeout` plus five minutes, else `'7d'`; at most 366 days. */
  expiresIn?: Duration;
  /** Default `once`. */
  mode?: CallbackMode;
  /** Deliveries (complete route) whose data fail it are refused and recorded, and never resume the wait. */
  schema?: PayloadSchema<T>;
  /**
   * What a sender in synchronous mode gets back for an accepted delivery. Default
   * `{ accepted: true }`.
   */
  reply?: (delivery: CallbackDelivery) => unknown;
  /**
   * Append the worker's configured API key (`CALLBACK_API_KEY`) to the URL as `api_key`, for senders
   * that cannot set headers. Implies {@link requireApiKey}.
   */
  includeApiKey?: boolean;
  /** Require every request to present a valid API key with the `workflows:execute` scope (header or query). */
  requireApiKey?: boolean;
  /**
   * Require every request to carry a Standard Webhooks signature made with the named sender's
   * secret (configured on the gateway as `WEBHOOK_SECRETS=<name>=whsec_…`), so the URL alone is
   * not enough and a replay outside five minutes is refused.
   */
  requireSignature?: string;
  /**
   * Accept GET requests as deliveries (data = query parameters). Off by default: link previews in
   * chat and mail tools, crawlers and prefetchers issue GETs, and must never complete a callback.
   */
  allowGet?: boolean;
  /**
   * How the URL is minted: `localActivity` (default: signed by the worker running the workflow,
   * without a task-queue round trip) or `activity` (scheduled on a task queue: use it with
   * `activityOptions.taskQueue` to keep signing keys on dedicated workers only).
   */
  mintWith?: 'activity' | 'localActivity';
  /**
   * Overrides for how the `generateCallbackUrl` activity is scheduled (task queue, timeouts,
   * retries). Defaults: as a local activity, a 10 s start-to-close timeout and retries from 200 ms
   * up to 10 s apart; as an activity, 30 s and retries from 1 s up to 30 s apart.
   */
  activityOptions?: ActivityOptions;
}

/** Options for {@link Callback.wait}. */
export interface WaitOptions {
  /**
   * How long to wait. Defaults to the callback's `timeout`, else the time left until the URL
   * expires plus a short grace for requests already in flight.
   */
  timeout?: Duration;
  /** End with `heartbeat_timed_out` when this long passes without a heartbeat (measured from the wait's start, then from each heartbeat). */
  heartbeatTimeout?: Duration;
  /** For `stream` callbacks: the wait completes once this holds for the deliveries so far (in order). */
  until?: (deliveries: readonly CallbackDelivery[]) => boolean;
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

/** A callback URL minted for the current workflow, and the way to wait for its deliveries. */
export interface Callback<T = unknown> {
  /** The callback's id, unique within the workflow (from the workflow's deterministic `uuid4()`). */
  readonly id: string;
  readonly label?: string;
  /** The URL to hand to the external system. A bearer secret: share it only with the sender. */
  readonly url: string;
  /** When the URL stops being accepted. */
  readonly expiresAt: Date;
  /** How far the callback has got. */
  readonly status: CallbackStatus;
  /** The latest heartbeat progress, if any. */
  readonly progress: CallbackProgress | undefined;
  /** Accepted deliveries so far, in order. */
  readonly deliveries: readonly CallbackDelivery[];
  /**
   * Waits durably for the callback to complete, fail, or time out. A delivery that arrived
   * before this call counts at once.
   */
  wait(options?: WaitOptions): Promise<CallbackWaitResult<T>>;
  /**
   * Like {@link wait}, but returns the completed result and throws a non-retryable
   * `ApplicationFailure` otherwise: type `CALLBACK_FAILED` (the sender's error in `details`),
   * `CALLBACK_TIMED_OUT`, `CALLBACK_HEARTBEAT_TIMED_OUT` or `CALLBACK_REVOKED`.
   */
  waitOrThrow(options?: WaitOptions): Promise<CallbackReceived<T>>;
  /** Ends the callback: a pending wait yields `revoked`, later deliveries are refused. */
  revoke(): void;
  /**
   * For `stream` callbacks: stop accepting deliveries and complete with what arrived (with
   * nothing arrived, this is {@link revoke}).
   */
  close(): void;
}

/** Input of the `generateCallbackUrl` activity. The workflow id and namespace come from the activity's own context. */
export interface GenerateCallbackUrlInput {
  callbackId: string;
  /** Expiry as epoch milliseconds, computed from workflow time so replays agree. */
  expiresAt: number;
  includeApiKey: boolean;
  requireApiKey: boolean;
  allowGet: boolean;
  /** Sender whose Standard Webhooks signature requests must carry. */
  signatureSender?: string;
  /**
   * The first run id of the minting workflow's execution chain (`workflowInfo().firstExecutionRunId`),
   * which the token records so deliveries never reach a later execution reusing the workflow id.
   * Not a secret, and it only narrows: the workflow id still comes from the activity's context.
   */
  executionChain?: string;
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

/** Output of the `generateCallbackUrl` activity. */
export interface GenerateCallbackUrlResult {
  url: string;
}

/** The activities the workflow helpers call; register them on every worker that runs workflows using callbacks. */
export interface CallbackActivities {
  generateCallbackUrl(input: GenerateCallbackUrlInput): Promise<GenerateCallbackUrlResult>;
}

/**
 * Input of the `subscribeWebhook` activity. The waiting workflow's id comes from the activity's
 * own context, never from its input, so workflow code cannot subscribe some other workflow.
 */
export interface SubscribeWebhookInput extends WebhookSubscriptionInfo {
  callbackId: string;
  mode: CallbackMode;
  /** Until when (epoch ms, workflow time) the mailbox keeps the subscription. */
  expiresAt: number;
}

/** Input of the `unsubscribeWebhook` activity; as for subscribing, the waiter's workflow id comes from the activity's context. */
export interface UnsubscribeWebhookInput {
  source: string;
  key: string;
  callbackId: string;
}

/** The activities a webhook wait calls; the `durableCallbacks` plugin registers them. */
export interface WebhookActivities {
  subscribeWebhook(input: SubscribeWebhookInput): Promise<void>;
  /** Best effort: tells the mailbox a wait is over, so it stops signalling the waiter. */
  unsubscribeWebhook(input: UnsubscribeWebhookInput): Promise<void>;
}

/** Options for `createWebhookWait` and `waitForWebhook`. */
export interface WebhookWaitOptions {
  /** The gateway's source name, as configured in `WEBHOOK_SOURCES_FILE` (1 to 64 of A-Z a-z 0-9 . _ -). */
  source: string;
  /** Take only this event type (GitHub `X-GitHub-Event`, Stripe `type`, Slack `payload.type`, ...). Default: any event with this key. */
  event?: string;
  /**
   * The key the gateway derives from the events you wait for, by the source's key template
   * (e.g. `octo/widgets#42`). Compared by exact string equality: never by prefix, never case-folded.
   */
  key: string;
  /** `once` (default): the first matching event completes the wait. `stream`: events accumulate, as for `createCallback`. */
  mode?: CallbackMode;
  /** How long the wait lasts by default; the subscription ends five minutes after it. */
  timeout?: Duration;
  /** How long the mailbox keeps the subscription. Default: `timeout` plus five minutes, else `'7d'`; at most 366 days. */
  expiresIn?: Duration;
  /**
   * `activity` (default) or `localActivity`: how `subscribeWebhook` is scheduled. A regular
   * activity by default: it waits for the mailbox's workflow task, which a local activity would
   * do while holding the waiting workflow's task slot.
   */
  subscribeWith?: 'activity' | 'localActivity';
  /** Overrides for how the `subscribeWebhook` activity is scheduled. */
  activityOptions?: ActivityOptions;
}

/** A callback's state as data: what a snapshot carries across continue-as-new. */
export interface CallbackState {
  id: string;
  label?: string;
  /** The approval page's heading, description and inputs, when given. */
  title?: string;
  description?: string;
  form?: CallbackFormField[];
  url: string;
  mode: CallbackMode;
  status: CallbackStatus;
  /** Workflow time, epoch ms. */
  createdAt: number;
  expiresAt: number;
  /** Default deadline of `wait()`, epoch ms, when the callback was created with a `timeout`. */
  timeoutAt?: number;
  deliveries: CallbackDelivery[];
  failure?: { error: CallbackFailureInfo; deliveryId: string; receivedAt: string };
  progress?: CallbackProgress;
  /** Workflow time of the last heartbeat, epoch ms. */
  lastHeartbeatAt?: number;
  heartbeatTimedOut?: boolean;
  rejected: RejectedDelivery[];
  /** Set for a webhook wait: what it subscribed to (it has no URL). */
  webhook?: WebhookSubscriptionInfo;
}

/** Everything needed to carry callbacks across continue-as-new: pass it to the next run's arguments. */
export interface CallbackSnapshot {
  callbacks: Array<
    CallbackState & {
      seenDeliveryIds: string[];
      replies: Array<[string, unknown]>;
      /** The callback status each synchronously applied delivery was answered with, by delivery id (absent when none was). */
      syncStatuses?: Array<[string, CallbackStatus]>;
    }
  >;
}

/** One verified provider event, as the gateway hands it to a mailbox (`durableCallbacks.webhookEvent`). */
export interface WebhookEvent extends WebhookMatch {
  /** The provider's delivery id (`X-GitHub-Delivery`, Stripe's event `id`, `webhook-id`, for Slack a hash of the signed body). */
  deliveryId: string;
  /** The request's media type without parameters. */
  contentType: string | null;
  /** The verified event: the JSON body, or for Slack interactivity the parsed `payload`. */
  data: unknown;
  /** Request headers minus credentials and signatures; names lower-case. */
  headers: Record<string, string>;
  /** When the gateway received the request (ISO 8601, gateway clock). */
  receivedAt: string;
}

/** A waiter's subscription to a mailbox (`durableCallbacks.webhookSubscribe`), sent by the `subscribeWebhook` activity. */
export interface WebhookSubscription extends WebhookSubscriptionInfo {
  /** The waiting workflow (from the activity's context), signalled without a run id so it follows continue-as-new. */
  workflowId: string;
  callbackId: string;
  mode: CallbackMode;
  /** Epoch ms after which the mailbox drops the subscription. */
  expiresAt: number;
  /**
   * Set by the mailbox while the subscriber's `subscribeWebhook` is still delivering the held
   * events it was answered with: events that arrive meanwhile wait here, so a stream gets its
   * key's events in the order the mailbox took them. Absent once the subscriber is live.
   */
  backlog?: WebhookEventRef[];
}

/** A waiter leaving a mailbox (`durableCallbacks.webhookUnsubscribe`), sent by the `unsubscribeWebhook` activity. */
export interface WebhookUnsubscription {
  source: string;
  key: string;
  workflowId: string;
  callbackId: string;
}

/** What a mailbox answers to `durableCallbacks.webhookMailbox`: its (source, key), the events it holds (without bodies or headers) and its subscribers. */
export interface WebhookMailboxView {
  source: string;
  key: string;
  events: Array<{ deliveryId: string; event: string; receivedAt: string; heldUntil: string; workflowId: string }>;
  subscribers: Array<{ workflowId: string; callbackId: string; event?: string; mode: CallbackMode; expiresAt: string }>;
}

/** The argument of the `webhookMailbox` workflow: which (source, key) it serves, and state carried across continue-as-new. */
export interface WebhookMailboxInput {
  source: string;
  key: string;
  /** Carried across continue-as-new (or recovered from a run that was terminated). */
  state?: WebhookMailboxState;
}

/**
 * A mailbox's reference to one held event: enough to match it and find its `webhookEvent`
 * workflow, never its body, so a mailbox's history does not grow with the size of what it holds.
 */
export interface WebhookEventRef {
  /** The `webhookEvent` workflow that holds the event. */
  workflowId: string;
  deliveryId: string;
  event: string;
  receivedAt: string;
  /** Epoch ms until which the event is held. */
  heldUntil: number;
  /** `once` waiters this event was handed to: a repeated hold answers them again, so a retry loses none. */
  servedOnce?: WebhookWaiter[];
}

/** One waiting callback: the workflow to signal (by id, so it follows continue-as-new) and its callback id. */
export interface WebhookWaiter {
  workflowId: string;
  callbackId: string;
}

/** What a mailbox carries across continue-as-new. */
export interface WebhookMailboxState {
  events: WebhookEventRef[];
  subscribers: WebhookSubscription[];
}

/** The argument of the `webhookEvent` workflow: the verified event and until when it is held. */
export interface WebhookEventInput {
  event: WebhookEvent;
  /** Epoch ms until which the event is held for waits that begin later. */
  heldUntil: number;
}

/** Input of the `holdWebhookEvent` activity, which a `webhookEvent` workflow runs once. */
export interface HoldWebhookEventInput {
  event: WebhookEvent;
  heldUntil: number;
}

/** Input of the `recoverWebhookMailbox` activity, which a mailbox runs when it starts a new chain. */
export interface RecoverWebhookMailboxInput {
  source: string;
  key: string;
}

/** The activities the webhook workflows themselves run (`webhookEvent`, `webhookMailbox`); the `durableCallbacks` plugin registers them. */
export interface WebhookRoutingActivities {
  /** Holds the event in its mailbox and delivers it to the waits subscribed now; returns how many were signalled. */
  holdWebhookEvent(input: HoldWebhookEventInput): Promise<number>;
  /** What the previous run of a mailbox held, when that run was terminated, failed or timed out; null otherwise. */
  recoverWebhookMailbox(input: RecoverWebhookMailboxInput): Promise<WebhookMailboxState | null>;
}
