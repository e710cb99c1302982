import type { ActivityOptions, Duration } from '@temporalio/common';
import type { CallbackDelivery, CallbackFailureInfo, CallbackFormField, CallbackMode, CallbackProgress, CallbackReceived, CallbackStatus, CallbackWaitResult, RejectedDelivery, WebhookSubscriptionInfo } from '../protocol/callback-messages';
import type { ApprovalState } from './approval-rules';
import type { ApprovalReachPlan, NotifyChannel } from '../protocol/notification-messages';

/**
 * The types of the workflow authoring API: the options of `createCallback` and `waitForWebhook`,
 * the handle they return, and a snapshot that carries callbacks across continue-as-new.
 * Sandbox-safe: this file holds types only. What crosses the wire is in `protocol/`.
 */

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

/** An escalation of a plain callback: after a while unanswered, tell more people (a callback has no approvers to add). */
export interface CallbackEscalationOptions {
  /** How long after the callback was created, if still unanswered. */
  after: Duration;
  /** The channels told from then on. */
  to: { notify: NotifyChannel[] };
}

/**
 * Telling people about a callback, reminding them and escalating, while nobody answered: the
 * options `createCallback` shares in spirit with `requestApproval` (whose escalations may also add
 * approvers). Checked before anything is minted: every time must come before the callback's
 * deadline (its `timeout`, else its end), and `remind` and `warnBefore` need `notify`.
 */
export interface CallbackReachOptions {
  /**
   * Tell people where to answer: mail the URL, post a Slack card with an Open button, or POST a
   * signed webhook (`callback.requested`); the worker needs the plugin's `notifications`. Sent
   * beside the wait, never blocking it; withdrawn when `wait()` ends (the card rewritten with how
   * it ended, the webhook told `callback.ended`). The wait result's `notifications` reports each.
   */
  notify?: NotifyChannel[];
  /** When to notify the same channels again, as times after the callback was created (`['1h', '4h']`), while unanswered. */
  remind?: Duration[];
  /** Warn the `notify` channels this long before the deadline, while unanswered. */
  warnBefore?: Duration;
  /** Tell other channels after a while unanswered: one escalation or several, each at its own time. */
  escalate?: CallbackEscalationOptions | CallbackEscalationOptions[];
  /** How the notification activities are scheduled, on top of `DEFAULT_NOTIFY_ACTIVITY_OPTIONS` (five attempts, backoff from 1 s). */
  notifyActivityOptions?: ActivityOptions;
}

/** Options for `createCallback`. */
export interface CreateCallbackOptions<T = unknown> extends CallbackReachOptions {
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
  /** How long the callback (and, unless `linkExpiresIn` says less, its URL) is accepted. Default: `timeout` plus five minutes, else `'7d'`; at most 366 days. */
  expiresIn?: Duration;
  /**
   * How long the URL itself is accepted, when it should lapse before the wait does (at most
   * `timeout`, else at most `expiresIn`): the wait keeps its own deadline, and
   * {@link Callback.reissue} hands out a fresh URL to extend its reach. Default: the URL lives as
   * long as the callback (`expiresIn`).
   */
  linkExpiresIn?: Duration;
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

/**
 * A durable wait in workflow code: what a callback URL ({@link Callback}) and a wait for a
 * provider's webhook by key ({@link WebhookWait}) share. Deliveries are signals recorded in
 * history, so a wait survives worker restarts and replays to the same state.
 */
export interface Wait<T = unknown> {
  /** The wait's id, unique within the workflow (from the workflow's deterministic `uuid4()`). */
  readonly id: string;
  readonly label?: string;
  /**
   * When deliveries stop being accepted: the callback's end (a URL with `linkExpiresIn` lapses
   * sooner: see `Callback.linkExpiresAt`), or the end of a webhook wait's lifetime.
   */
  readonly expiresAt: Date;
  /** How far the wait has got. */
  readonly status: CallbackStatus;
  /** The latest heartbeat progress, if any. */
  readonly progress: CallbackProgress | undefined;
  /** Accepted deliveries so far, in order. */
  readonly deliveries: readonly CallbackDelivery[];
  /**
   * Waits durably for the wait to complete, fail, or time out. A delivery that arrived
   * before this call counts at once.
   */
  wait(options?: WaitOptions): Promise<CallbackWaitResult<T>>;
  /**
   * Like {@link wait}, but returns the completed result and throws a non-retryable
   * `ApplicationFailure` otherwise: type `CALLBACK_FAILED` (the sender's error in `details`),
   * `CALLBACK_TIMED_OUT`, `CALLBACK_HEARTBEAT_TIMED_OUT` or `CALLBACK_REVOKED`.
   */
  waitOrThrow(options?: WaitOptions): Promise<CallbackReceived<T>>;
  /** Ends the wait: a pending `wait()` yields `revoked`, later deliveries are refused. */
  revoke(): void;
  /**
   * For `stream` waits: stop accepting deliveries and complete with what arrived (with
   * nothing arrived, this is {@link revoke}).
   */
  close(): void;
}

/** Options of {@link Callback.reissue}. */
export interface ReissueOptions {
  /**
   * How long the new URL is accepted (capped at the callback's own end). Default: as the first
   * URL: its `linkExpiresIn` from now, else until the callback ends.
   */
  linkExpiresIn?: Duration;
}

/** A callback URL and its wait, from `createCallback`: the URL is what the external system calls. */
export interface Callback<T = unknown> extends Wait<T> {
  /** The URL to hand to the external system (the newest, after {@link reissue}). A bearer secret: share it only with the sender. */
  readonly url: string;
  /** When {@link url} stops being accepted: its `linkExpiresIn`, else {@link expiresAt}. */
  readonly linkExpiresAt: Date;
  /**
   * Mints a new URL for the same wait and returns it; the previous URL is refused from the moment
   * this is called, with `410 CALLBACK_LINK_REPLACED` (not `CALLBACK_CLOSED`: the wait goes on).
   * Deliveries, votes and receipts are kept: a retry of a delivery made through the old URL still
   * gets its answer. Use it to extend a short-lived link's reach (`linkExpiresIn`), or to replace
   * a link that leaked.
   * @throws `ApplicationFailure` `CALLBACK_CLOSED` when the wait is over; `INVALID_CALLBACK_OPTIONS`
   *   for a bad `linkExpiresIn`; the minting activity's failure (the old URL is then current again).
   */
  reissue(options?: ReissueOptions): Promise<string>;
}

/**
 * A wait for a provider's webhook matched by key, from `createWebhookWait`: there is no URL to
 * hand out; the gateway routes each verified event of `webhook.source` whose key is `webhook.key`.
 */
export interface WebhookWait<T = unknown> extends Wait<T> {
  /** What the wait matches: the source, the key and, when given, the event type. */
  readonly webhook: WebhookSubscriptionInfo;
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
  /** The link generation of {@link url}: absent (0) for the first, one more for each reissue. */
  link?: number;
  /** When {@link url} expires, epoch ms, when sooner than {@link expiresAt} (`linkExpiresIn`). */
  linkExpiresAt?: number;
  /** How the callback's URLs are minted, so a reissued one is minted alike (absent in snapshots from before reissue). */
  linkSettings?: CallbackLinkSettings;
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
  /** For an approval (`requestApproval`): its action, rules and votes. */
  approval?: ApprovalState;
  /** For a callback created with `notify`, `remind`, `warnBefore` or `escalate`: its channels and what is still to come. */
  reach?: CallbackReach;
}

/** A plain callback's reach, as data (so continue-as-new carries it): where it notifies, its plan, and how the notifications are scheduled. */
export interface CallbackReach {
  /** The channels told at first, and again on each reminder and deadline warning. */
  notify?: NotifyChannel[];
  /** Reminders, the deadline warning and escalations, and how far they got. */
  plan?: ApprovalReachPlan;
  notifyActivityOptions?: ActivityOptions;
}

/** How a callback's URLs are minted: what its first URL's token said, and how the minting activity is scheduled. */
export interface CallbackLinkSettings {
  includeApiKey: boolean;
  requireApiKey: boolean;
  allowGet: boolean;
  signatureSender?: string;
  /** `linkExpiresIn` in milliseconds, when given: each URL lives this long (capped at the callback's end). */
  linkExpiresInMs?: number;
  mintWith?: 'activity' | 'localActivity';
  activityOptions?: ActivityOptions;
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
