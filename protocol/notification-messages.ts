import type { ApprovalAction, ApprovalDecidedBy, ApprovalDelegation, ApprovalInitiator, ApprovalOutcome, ApprovalVote, ApproverRule, DelegateIdentity } from './approval-messages';

/**
 * The wire types of notifications: where workflow code asks people (channels), what each
 * notification activity takes and returns, and the report of what was sent and withdrawn. JSON
 * only, sandbox-safe: the workflow's `Notifier` and the worker's activities both compile against
 * them.
 */

/**
 * Where to tell people about an approval or a callback: mail to addresses (SMTP, the worker's `SMTP_URL`), a
 * Slack channel (the worker's bot, `SLACK_BOT_TOKEN`), or a Standard Webhooks-signed POST to a URL
 * (signed with the worker's secret for `sender`, from `NOTIFY_WEBHOOK_SECRETS`; unsigned without one).
 */
export type NotifyChannel = { email: { to: string[] } } | { slack: { channel: string } } | { webhook: { url: string; sender?: string } };

/** Which channel a {@link NotificationReport} is about. */
export type NotificationChannelKind = 'email' | 'slack' | 'webhook';

/**
 * Why a notification is sent: the first request, a later nudge (reminders and escalation build on
 * these), or, for an approval only, a hand-off: an approver delegated it (`delegation`) or an
 * operator reassigned its approvers (`reassignment`).
 */
export type NotificationKind = 'request' | 'reminder' | 'escalation' | 'deadline-warning' | 'delegation' | 'reassignment';

/** The kinds that tell of an approval's hand-off: nobody hands a plain callback on. */
export type ApprovalHandOffKind = Extract<NotificationKind, 'delegation' | 'reassignment'>;

/** Why a notification about a callback that is not an approval is sent: every kind but the hand-offs. */
export type CallbackNotificationKind = Exclude<NotificationKind, ApprovalHandOffKind>;

/** What a notification says about a pending approval: what the card, the mail and the webhook show. */
export interface ApprovalNotice {
  /** The approval page's URL: opening it shows the page and never decides. */
  url: string;
  action: ApprovalAction;
  initiator?: ApprovalInitiator;
  /** When the request stops waiting, ISO 8601 (from workflow time). */
  deadline: string;
  /** Distinct approvals needed. */
  quorum: number;
  /** The votes counted so far. */
  votes: ApprovalVote[];
}

/**
 * What a notification says about a pending callback that is not an approval (`createCallback`'s
 * `notify`): where to answer, what is asked, and by when. No approval wording: nobody votes.
 */
export interface CallbackNotice {
  /** The callback's URL: a bearer secret, for the people asked only. */
  url: string;
  /** What is asked: the callback's `title`, else its label, else "A reply is awaited". */
  title: string;
  /** More about it: the callback's `description`, when given. */
  description?: string;
  /** When the callback stops waiting, ISO 8601 (from workflow time). */
  deadline: string;
}

/** How a callback's wait ended, as its wait result's `status` says. */
export type CallbackEndStatus = 'received' | 'failed' | 'timed_out' | 'heartbeat_timed_out' | 'revoked';

/** What a notification says once the callback's wait ended: its status. */
export interface CallbackEnding {
  status: CallbackEndStatus;
}

/** What a notification says once the approval ended: how, what decided it, and the votes. */
export interface ApprovalEnding {
  outcome: ApprovalOutcome;
  decidedBy: ApprovalDecidedBy;
  votes: ApprovalVote[];
}

/**
 * What a mail about a hand-off adds, so its reader knows why the request reached them: who
 * handed it on and their comment (a delegation), or the operator's reason (a reassignment).
 */
export interface ApprovalHandOffNote {
  /** The approver who delegated the request, as their sign-in named them. */
  from?: { name?: string; email?: string };
  /** The delegator's comment. */
  comment?: string;
  /** The operator's reason for a reassignment. */
  reason?: string;
}

/** Input of the `sendApprovalMail` activity for an approval. */
export interface ApprovalMailInput {
  to: string[];
  kind: NotificationKind;
  approval: ApprovalNotice;
  /** For `delegation` and `reassignment`: who handed the request on and why. */
  handOff?: ApprovalHandOffNote;
}

/** Input of the `sendApprovalMail` activity for a callback that is not an approval. */
export interface CallbackMailInput {
  to: string[];
  kind: CallbackNotificationKind;
  callback: CallbackNotice;
}

/** What the `sendApprovalMail` activity takes: a notice of an approval or of a callback. */
export type NotificationMailInput = ApprovalMailInput | CallbackMailInput;

/** Output of the `sendApprovalMail` activity: the `Message-ID` the SMTP server took the mail under. */
export interface ApprovalMailSent {
  messageId: string;
}

/** Input of the `postApprovalCard` activity: the card's blocks, built in the workflow (`slackApprovalBlocks`), and its fallback text. */
export interface PostApprovalCardInput {
  channel: string;
  text: string;
  blocks: Array<Record<string, unknown>>;
}

/** A posted Slack message: its channel id and `ts`, which `chat.update` needs to rewrite it. */
export interface SlackCardRef {
  channel: string;
  ts: string;
}

/** Input of the `updateApprovalCard` activity: the card to rewrite and what it says now. */
export interface UpdateApprovalCardInput extends SlackCardRef {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

/** The `type` of a notification webhook's body about an approval. */
export type ApprovalWebhookType =
  | 'approval.requested'
  | 'approval.reminder'
  | 'approval.escalation'
  | 'approval.deadline_warning'
  | 'approval.delegated'
  | 'approval.reassigned'
  | 'approval.ended';

/** The `type` of a notification webhook's body about a callback that is not an approval. */
export type CallbackWebhookType = 'callback.requested' | 'callback.reminder' | 'callback.escalation' | 'callback.deadline_warning' | 'callback.ended';

/** The `type` of a notification webhook's body. */
export type NotificationWebhookType = ApprovalWebhookType | CallbackWebhookType;

/** The JSON body the webhook channel POSTs: about an approval, or about a callback. */
export type NotificationWebhookEvent = ApprovalWebhookEvent | CallbackWebhookEvent;

/** The JSON body the webhook channel POSTs about a callback: where to answer, what is asked, by when, and (for `callback.ended`) how its wait ended. */
export interface CallbackWebhookEvent {
  type: CallbackWebhookType;
  /** The callback's URL. */
  url: string;
  /** The workflow that waits, and the callback's id within it. */
  workflowId: string;
  callbackId: string;
  title: string;
  deadline: string;
  /** For `callback.ended`: how the wait ended. */
  status?: CallbackEndStatus;
}

/** The JSON body the webhook channel POSTs about an approval. */
export interface ApprovalWebhookEvent {
  type: ApprovalWebhookType;
  /** The approval page's URL. */
  url: string;
  action: ApprovalAction;
  /** The workflow that asks, and the approval's callback id within it. */
  workflowId: string;
  approvalId: string;
  initiator?: ApprovalInitiator;
  deadline?: string;
  votes: ApprovalVote[];
  /** For `approval.ended`: how it ended and what decided it. */
  outcome?: ApprovalOutcome;
  decidedBy?: ApprovalDecidedBy;
  /** For `approval.delegated`: the approver who handed the request on. */
  from?: ApprovalDelegation['from'];
  /** For `approval.delegated`: the delegate, who may now vote once on `from`'s behalf. */
  to?: DelegateIdentity;
  /** For `approval.delegated`: the delegator's comment, when they gave one. */
  comment?: string;
  /** For `approval.reassigned`: the approvers from now on. */
  approvers?: ApproverRule[];
  /** For `approval.reassigned`: the operator's reason. */
  reason?: string;
}

/** Input of the `postNotificationWebhook` activity. */
export interface NotificationWebhookInput {
  url: string;
  /** Whose secret signs the POST (`NOTIFY_WEBHOOK_SECRETS`); unsigned without one. */
  sender?: string;
  /** The `webhook-id`, made by the workflow (`uuid4()`), so every retry of one event carries the same id and a receiver applies it once. */
  id: string;
  event: NotificationWebhookEvent;
}

/** The activities notifications run; the `durableCallbacks` plugin registers them with its `notifications` option. */
export interface NotificationActivities {
  /** Mails the approval's (or the callback's) link, text and HTML, through the worker's SMTP server. */
  sendApprovalMail(input: NotificationMailInput): Promise<ApprovalMailSent>;
  /** Posts a card to Slack (`chat.postMessage`); returns what rewriting it needs. */
  postApprovalCard(input: PostApprovalCardInput): Promise<SlackCardRef>;
  /** Rewrites a posted card (`chat.update`), e.g. with the outcome and no buttons. */
  updateApprovalCard(input: UpdateApprovalCardInput): Promise<void>;
  /** POSTs an event to a URL, signed as Standard Webhooks defines when a sender is named. */
  postNotificationWebhook(input: NotificationWebhookInput): Promise<void>;
}

/** Why a notification (or its withdrawal) failed: the failure's type (a stable code such as `SLACK_NOT_CONFIGURED`) and message. */
export interface NotificationError {
  type: string;
  message: string;
}

/**
 * What became of one notification: where it went (`target`: the addresses, the Slack channel, the
 * webhook URL), whether it was sent, and, once the wait ended, whether it was withdrawn (the Slack
 * card rewritten with the outcome; the webhook told `approval.ended` or `callback.ended`; a mail's
 * link shows the outcome, or refuses further use, by itself). `error` says why sending failed; `withdrawError` why withdrawing did.
 */
export interface NotificationReport {
  channel: NotificationChannelKind;
  target: string;
  kind: NotificationKind;
  sent: boolean;
  withdrawn?: boolean;
  error?: NotificationError;
  withdrawError?: NotificationError;
  /** Why a Slack card could not be rewritten with the approval's new URL or action (after a reissue or `changeAction`): its buttons then answer that the link was replaced. */
  refreshError?: NotificationError;
  /** The Slack card's `ts`, when one was posted. */
  ts?: string;
}

/**
 * The failure types of the notification activities, one stable code each (a report's
 * `error.type`); tests and workflow code branch on these, never on the message.
 */
export const NOTIFICATION_FAILURES = {
  /** A mail channel on a worker without `SMTP_URL` and `MAIL_FROM`. Not retried. */
  MAIL_NOT_CONFIGURED: 'The worker has no mail settings: set SMTP_URL and MAIL_FROM.',
  /** The SMTP server could not be reached or failed the conversation (connection refused, timeout, 4xx). Retried. */
  MAIL_UNAVAILABLE: 'The SMTP server could not take the mail now.',
  /** The SMTP server refused the mail for good (5xx: no such recipient, not allowed to relay). Not retried. */
  MAIL_REJECTED: 'The SMTP server refused the mail.',
  /** A Slack channel on a worker without `SLACK_BOT_TOKEN`. Not retried. */
  SLACK_NOT_CONFIGURED: "The worker has no Slack bot token: set SLACK_BOT_TOKEN.",
  /** Slack answered 5xx, could not be reached, or reported an internal error. Retried. */
  SLACK_UNAVAILABLE: 'Slack could not take the call now.',
  /** Slack answered 429; retried after its `Retry-After`. */
  SLACK_RATE_LIMITED: 'Slack rate-limited the call.',
  /** Slack refused the call for good (`channel_not_found`, `invalid_auth`, `not_in_channel`, ...: the message says which). Not retried. */
  SLACK_REFUSED: 'Slack refused the call.',
  /** A webhook channel names a sender the worker has no secret for in `NOTIFY_WEBHOOK_SECRETS`. Not retried. */
  NOTIFY_WEBHOOK_SECRET_MISSING: 'The worker has no secret for this webhook sender: add it to NOTIFY_WEBHOOK_SECRETS.',
  /** The webhook's receiver could not be reached, or answered 429 or 5xx. Retried. */
  WEBHOOK_UNAVAILABLE: "The webhook's receiver could not take the event now.",
  /** The webhook's receiver answered another 4xx (or a redirect, which is not followed). Not retried. */
  WEBHOOK_REFUSED: "The webhook's receiver refused the event.",
} as const;

/** A stable code of a notification activity's failure. */
export type NotificationFailureCode = keyof typeof NOTIFICATION_FAILURES;

/**
 * One step of an approval's or a callback's reach (reminders, a deadline warning, escalations), at
 * an absolute workflow time (epoch ms). A callback's escalations add no approvers (`approvers: []`).
 */
export type ApprovalReachStep =
  | { at: number; kind: 'reminder' }
  | { at: number; kind: 'deadline-warning' }
  | { at: number; kind: 'escalation'; approvers: ApproverRule[]; notify: NotifyChannel[] };

/** An approval's (or a callback's) reach plan and how far it got: steps before `done` were taken. Data, so continue-as-new carries it. */
export interface ApprovalReachPlan {
  steps: ApprovalReachStep[];
  done: number;
}
