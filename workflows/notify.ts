import type { ActivityOptions } from '@temporalio/common';
import { uuid4, workflowInfo } from '@temporalio/workflow';
import { invalidOption } from './durations';
import { scheduledActivities } from './schedule-activity';
import { approvalOutcomeLine, slackApprovalBlocks, slackOutcomeBlocks, type SlackBlock } from './slack-approval-blocks';
import { callbackOutcomeLine, slackCallbackBlocks, slackCallbackOutcomeBlocks } from './slack-callback-blocks';
import type {
  ApprovalEnding,
  ApprovalNotice,
  ApprovalWebhookType,
  CallbackEnding,
  ApprovalHandOffKind,
  ApprovalMailInput,
  CallbackNotice,
  CallbackNotificationKind,
  CallbackWebhookType,
  NotificationActivities,
  NotificationChannelKind,
  NotificationError,
  NotificationKind,
  NotificationMailInput,
  NotificationReport,
  NotificationWebhookEvent,
  NotifyChannel,
  SlackCardRef,
} from '../protocol/notification-messages';
import type { ApprovalDelegation, ApprovalReassignment } from '../protocol/approval-messages';

/** How a {@link Notifier} schedules its activities. */
export interface NotifierOptions {
  /** Regular activities (the default: a send may retry for minutes, and should not hold a workflow task) or local ones. */
  activitiesWith?: 'activity' | 'localActivity';
  /** On top of {@link DEFAULT_NOTIFY_ACTIVITY_OPTIONS}; a `retry` given here is merged into the default one. */
  activityOptions?: ActivityOptions;
}

/** An approval's notice with its callback id: what the notifier tells about a pending approval. */
export type ApprovalSubject = ApprovalNotice & { id: string };

/** A callback's notice with its id: what the notifier tells about a pending callback that is not an approval. */
export type CallbackSubject = CallbackNotice & { id: string };

/**
 * What one {@link Notifier.send} says: why (`kind`), and about which approval or callback (its id,
 * and what the card, the mail and the webhook show). A hand-off of an approval (`delegation`,
 * `reassignment`) carries what was recorded of it, so the mail and the webhook say who handed it
 * on, to whom, and why; a plain callback is never handed on.
 */
export type NotifyMessage =
  | { kind: Exclude<NotificationKind, ApprovalHandOffKind>; approval: ApprovalSubject }
  | { kind: 'delegation'; approval: ApprovalSubject; delegation: ApprovalDelegation }
  | { kind: 'reassignment'; approval: ApprovalSubject; reassignment: ApprovalReassignment }
  | { kind: CallbackNotificationKind; callback: CallbackSubject };

/**
 * How notifications are scheduled unless told otherwise: five attempts with exponential backoff
 * from one second, so an SMTP server that is down or a Slack 5xx / 429 is retried a few times and
 * then reported, never waited on for ever. Refusals that no retry can fix (a channel the worker
 * has no settings for, a Slack channel that does not exist, a bad token) fail at once.
 */
export const DEFAULT_NOTIFY_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
};

const APPROVAL_EVENTS: Record<NotificationKind, ApprovalWebhookType> = {
  request: 'approval.requested',
  reminder: 'approval.reminder',
  escalation: 'approval.escalation',
  'deadline-warning': 'approval.deadline_warning',
  delegation: 'approval.delegated',
  reassignment: 'approval.reassigned',
};

const CALLBACK_EVENTS: Record<CallbackNotificationKind, CallbackWebhookType> = {
  request: 'callback.requested',
  reminder: 'callback.reminder',
  escalation: 'callback.escalation',
  'deadline-warning': 'callback.deadline_warning',
};

const isText = (value: unknown): value is string => typeof value === 'string' && value.trim().length > 0 && value.length <= 2000;

/**
 * Checks notification channels as workflow code gave them.
 * @throws `INVALID_CALLBACK_OPTIONS` naming what is wrong: a channel is `{ email: { to: [...] } }`,
 *   `{ slack: { channel } }` or `{ webhook: { url, sender? } }`.
 */
export function checkNotifyChannels(channels: unknown): NotifyChannel[] {
  if (!Array.isArray(channels)) throw invalidOption('notify is a list of channels: { email: { to: [...] } }, { slack: { channel } } or { webhook: { url } }.');
  for (const channel of channels as unknown[]) {
    const keys = typeof channel === 'object' && channel !== null ? Object.keys(channel) : [];
    const spec = keys.length === 1 ? (channel as Record<string, Record<string, unknown> | undefined>)[keys[0]!] : undefined;
    const ok =
      typeof spec === 'object' &&
      spec !== null &&
      ((keys[0] === 'email' && Array.isArray(spec.to) && spec.to.length > 0 && spec.to.every((to) => isText(to) && to.includes('@'))) ||
        (keys[0] === 'slack' && isText(spec.channel)) ||
        (keys[0] === 'webhook' && isText(spec.url) && /^https?:\/\//.test(spec.url) && (spec.sender === undefined || isText(spec.sender))));
    if (!ok) throw invalidOption(`A notify channel is { email: { to: ['a@example.com'] } }, { slack: { channel: 'C0123' } } or { webhook: { url: 'https://…', sender? } }; got ${JSON.stringify(channel)}.`);
  }
  return channels as NotifyChannel[];
}

/** A Slack message's fallback text and blocks. */
interface Card {
  text: string;
  blocks: SlackBlock[];
}

/**
 * What a notification is about, with what each channel shows of it: one per kind of subject (an
 * approval, a callback), so sending, refreshing and withdrawing are written once for both.
 */
interface Told {
  id: string;
  card(): Card;
  /** The card and the webhook event once it ended; undefined for an ending of the other kind of subject. */
  ended(ending: ApprovalEnding | CallbackEnding): { card: Card; event: NotificationWebhookEvent } | undefined;
}

/** The {@link Told} of an approval: its card has Approve and Reject buttons, its events are `approval.*`. */
function toldOfApproval(approval: ApprovalSubject): Told {
  return {
    id: approval.id,
    card: () => ({ text: `Approval asked: ${approval.action.title}`, blocks: slackApprovalBlocks(approval) }),
    ended: (ending) =>
      'outcome' in ending
        ? {
            card: { text: `${approval.action.title}: ${approvalOutcomeLine(ending)}`, blocks: slackOutcomeBlocks(approval, ending) },
            event: { type: 'approval.ended', ...aboutApproval(approval), votes: ending.votes, outcome: ending.outcome, decidedBy: ending.decidedBy },
          }
        : undefined,
  };
}

/** The {@link Told} of a callback: its card has one Open link button, its events are `callback.*`. */
function toldOfCallback(callback: CallbackSubject): Told {
  const { id: _id, ...notice } = callback;
  const about = { url: callback.url, workflowId: workflowInfo().workflowId, callbackId: callback.id, title: callback.title, deadline: callback.deadline };
  return {
    id: callback.id,
    card: () => ({ text: `Reply needed: ${callback.title}`, blocks: slackCallbackBlocks(notice) }),
    ended: (ending) =>
      'status' in ending
        ? {
            card: { text: `${callback.title}: ${callbackOutcomeLine(ending)}`, blocks: slackCallbackOutcomeBlocks(callback, ending) },
            event: { type: 'callback.ended', ...about, status: ending.status },
          }
        : undefined,
  };
}

/** The {@link Told} of a message's subject. */
function toldOf(message: NotifyMessage): Told {
  return 'approval' in message ? toldOfApproval(message.approval) : toldOfCallback(message.callback);
}

/** The mail `message` sends to `to`: its notice, and for a hand-off who handed it on and why. */
function mailOf(to: string[], message: NotifyMessage): NotificationMailInput {
  if ('callback' in message) {
    const { id: _id, ...notice } = message.callback;
    return { to, kind: message.kind, callback: notice };
  }
  const { id: _id, ...notice } = message.approval;
  const mail: ApprovalMailInput = { to, kind: message.kind, approval: notice };
  if (message.kind === 'delegation') {
    const { name, email } = message.delegation.from;
    mail.handOff = { from: { ...(name ? { name } : {}), ...(email ? { email } : {}) }, ...(message.delegation.comment ? { comment: message.delegation.comment } : {}) };
  } else if (message.kind === 'reassignment') {
    mail.handOff = { reason: message.reassignment.reason };
  }
  return mail;
}

/** The webhook event `message` sends: `approval.*` or `callback.*`, a hand-off with who handed it on, to whom, and why. */
function eventOf(message: NotifyMessage): NotificationWebhookEvent {
  if ('callback' in message) {
    const { callback } = message;
    return { type: CALLBACK_EVENTS[message.kind], url: callback.url, workflowId: workflowInfo().workflowId, callbackId: callback.id, title: callback.title, deadline: callback.deadline };
  }
  const { approval } = message;
  const event: NotificationWebhookEvent = { type: APPROVAL_EVENTS[message.kind], ...aboutApproval(approval), deadline: approval.deadline, votes: approval.votes };
  if (message.kind === 'delegation') {
    const { from, to, comment } = message.delegation;
    return { ...event, from, to, ...(comment ? { comment } : {}) };
  }
  if (message.kind === 'reassignment') return { ...event, approvers: message.reassignment.approvers, reason: message.reassignment.reason };
  return event;
}

/** One notification sent (or tried): its report, and what withdrawing it needs. */
interface Notification {
  report: NotificationReport;
  told: Told;
  /** Settles when the send has succeeded or failed for good. */
  done: Promise<void>;
  card?: SlackCardRef;
  webhook?: { url: string; sender?: string };
}

/** The type and message of an activity's failure (its `ApplicationFailure` cause), checked by shape so it works across module copies. */
function errorOf(err: unknown): NotificationError {
  type Failure = { cause?: Failure; type?: unknown; name?: unknown; message?: unknown };
  const failure = err as Failure | undefined;
  // An activity's failure is an ActivityFailure whose cause is the activity's ApplicationFailure.
  const cause = failure?.cause ?? failure;
  const type = typeof cause?.type === 'string' && cause.type ? cause.type : typeof cause?.name === 'string' ? cause.name : 'NOTIFICATION_FAILED';
  return { type, message: typeof cause?.message === 'string' ? cause.message : String(err) };
}

function channelOf(channel: NotifyChannel): { kind: NotificationChannelKind; target: string } {
  if ('email' in channel) return { kind: 'email', target: channel.email.to.join(', ') };
  if ('slack' in channel) return { kind: 'slack', target: channel.slack.channel };
  return { kind: 'webhook', target: channel.webhook.url };
}

/**
 * Tells people about a pending approval or callback through channels (mail, Slack, a signed
 * webhook) and, once it ended, withdraws what it told them: workflow code, deterministic. Sends
 * run beside the wait and never block or fail it; each is an activity with a bounded retry policy,
 * and {@link Notifier.reports} says what was sent, withdrawn, or failed and why.
 * `requestApproval`'s `notify` uses one (a card with Approve and Reject buttons, `approval.*`
 * events), and so does `createCallback`'s `notify` (a card with an Open link, `callback.*` events,
 * withdrawn when `wait()` ends); reminders and escalations send through the same notifier.
 *
 * @example
 * ```ts
 * const notifier = new Notifier();
 * notifier.send([{ slack: { channel: 'C0CHANGES' } }], { kind: 'request', approval: { id, url, action, deadline, quorum: 1, votes: [] } });
 * // … the wait ends …
 * await notifier.withdraw({ outcome: 'approved', decidedBy: 'votes', votes });
 * const failed = notifier.reports().filter((report) => !report.sent);
 * ```
 */
export class Notifier {
  private readonly notifications: Notification[] = [];
  private readonly activities: NotificationActivities;
  private withdrawing?: Promise<void>;
  /** Card rewrites in flight (after a reissue or a changed action): withdrawal comes after them. */
  private refreshing: Promise<void> = Promise.resolve();

  constructor(options: NotifierOptions = {}) {
    const given = options.activityOptions ?? {};
    const activityOptions: ActivityOptions = { ...DEFAULT_NOTIFY_ACTIVITY_OPTIONS, ...given, retry: { ...DEFAULT_NOTIFY_ACTIVITY_OPTIONS.retry, ...given.retry } };
    this.activities = scheduledActivities<NotificationActivities>(options.activitiesWith ?? 'activity', activityOptions, 'activitiesWith');
  }

  /** Starts sending `message` to each channel and returns at once: it never blocks the wait, and never throws (a failure lands in {@link reports}). */
  send(channels: readonly NotifyChannel[], message: NotifyMessage): void {
    const told = toldOf(message);
    for (const channel of Array.isArray(channels) ? channels : [channels as unknown as NotifyChannel]) {
      try {
        checkNotifyChannels([channel]);
      } catch (err) {
        // A malformed channel is reported like a failed send: `send` never throws into the wait.
        const named = typeof channel === 'object' && channel !== null ? Object.keys(channel)[0] : undefined;
        const kind: NotificationChannelKind = named === 'email' || named === 'slack' ? named : 'webhook';
        this.notifications.push({ report: { channel: kind, target: '', kind: message.kind, sent: false, error: errorOf(err) }, told, done: Promise.resolve() });
        continue;
      }
      const { kind, target } = channelOf(channel);
      const notification: Notification = { report: { channel: kind, target, kind: message.kind, sent: false }, told, done: Promise.resolve() };
      notification.done = this.start(channel, message, notification).then(
        () => void (notification.report.sent = true),
        (err: unknown) => void (notification.report.error = errorOf(err)),
      );
      this.notifications.push(notification);
    }
  }

  private async start(channel: NotifyChannel, message: NotifyMessage, notification: Notification): Promise<void> {
    const { told } = notification;
    if ('email' in channel) {
      await this.activities.sendApprovalMail(mailOf(channel.email.to, message));
    } else if ('slack' in channel) {
      const card = await this.activities.postApprovalCard({ channel: channel.slack.channel, ...told.card() });
      notification.card = card;
      notification.report.ts = card.ts;
    } else {
      notification.webhook = { url: channel.webhook.url, ...(channel.webhook.sender ? { sender: channel.webhook.sender } : {}) };
      await this.activities.postNotificationWebhook({ ...notification.webhook, id: uuid4(), event: eventOf(message) });
    }
  }

  /**
   * Rewrites each Slack card posted for this approval or callback (by its id) with what it is now
   * (a reissued URL, a changed action), so its buttons carry the current link; mail and webhooks
   * already sent are not repeated. `subject` is an approval's notice (it has an `action`) or a
   * callback's. Runs beside the wait, after the sends still retrying, and never throws: a card that
   * could not be rewritten says so in its report (`refreshError`), and its buttons are answered
   * that the link was replaced.
   */
  refresh(subject: ApprovalSubject | CallbackSubject): void {
    const told = 'action' in subject ? toldOfApproval(subject) : toldOfCallback(subject);
    const previous = this.refreshing;
    this.refreshing = (async () => {
      await previous;
      const posted = this.notifications.filter((notification) => notification.told.id === told.id);
      await Promise.all(posted.map((notification) => notification.done));
      await Promise.all(
        posted.map(async (notification) => {
          notification.told = told;
          if (!notification.card) return;
          try {
            await this.activities.updateApprovalCard({ ...notification.card, ...told.card() });
            delete notification.report.refreshError;
          } catch (err) {
            notification.report.refreshError = errorOf(err);
          }
        }),
      );
    })();
  }

  /**
   * Withdraws every notification once the wait ended, after the sends still retrying have
   * settled: rewrites each Slack card posted with the outcome (no buttons left), and sends each
   * webhook that was notified an `approval.ended` (or `callback.ended`) event. A mailed link needs
   * nothing: an approval's page shows the outcome from now on, and a callback's URL refuses further
   * use by itself. `ending` is an approval's ({@link ApprovalEnding}) or a callback's
   * ({@link CallbackEnding}), matching what was notified; a notification of the other kind is
   * reported not withdrawn. Never throws; call it once (later calls return the first).
   */
  withdraw(ending: ApprovalEnding | CallbackEnding): Promise<void> {
    this.withdrawing ??= this.withdrawAll(ending);
    return this.withdrawing;
  }

  private async withdrawAll(ending: ApprovalEnding | CallbackEnding): Promise<void> {
    await Promise.all(this.notifications.map((notification) => notification.done));
    await this.refreshing;
    const sent = this.notifications.filter((notification) => notification.report.sent);
    const mismatched: NotificationError = { type: 'INVALID_CALLBACK_OPTIONS', message: 'Withdrawn with the ending of another kind of wait: an approval takes its outcome, a callback its status.' };
    const fail = (notification: Notification, error: NotificationError) => {
      notification.report.withdrawn = false;
      notification.report.withdrawError = error;
    };
    const endings: Array<Promise<void>> = [];
    for (const notification of sent) {
      const ended = notification.told.ended(ending);
      if (!ended) {
        fail(notification, mismatched);
        continue;
      }
      if (notification.report.channel === 'email') notification.report.withdrawn = true;
      const card = notification.card;
      if (card) {
        endings.push(
          this.activities.updateApprovalCard({ ...card, ...ended.card }).then(
            () => void (notification.report.withdrawn = true),
            (err: unknown) => fail(notification, errorOf(err)),
          ),
        );
      }
    }
    // One ended event per webhook (URL and sender) that heard of the subject, however many events it got.
    const webhooks = new Map<string, Notification[]>();
    for (const notification of sent) {
      if (!notification.webhook || notification.report.withdrawError) continue;
      const key = JSON.stringify([notification.webhook.url, notification.webhook.sender ?? null, notification.told.id]);
      webhooks.set(key, [...(webhooks.get(key) ?? []), notification]);
    }
    for (const group of webhooks.values()) {
      const { webhook, told } = group[0]!;
      endings.push(
        this.activities.postNotificationWebhook({ ...webhook!, id: uuid4(), event: told.ended(ending)!.event }).then(
          () => group.forEach((each) => void (each.report.withdrawn = true)),
          (err: unknown) => group.forEach((each) => fail(each, errorOf(err))),
        ),
      );
    }
    await Promise.all(endings);
  }

  /** What was sent, withdrawn, or failed (and why), one report per channel and send, in the order sent. */
  reports(): NotificationReport[] {
    return this.notifications.map((notification) => ({ ...notification.report }));
  }
}

/** What every webhook event says of its approval: the page, the action, the workflow and who asked. */
function aboutApproval(approval: ApprovalSubject) {
  return {
    url: approval.url,
    action: approval.action,
    workflowId: workflowInfo().workflowId,
    approvalId: approval.id,
    ...(approval.initiator ? { initiator: approval.initiator } : {}),
  };
}

/**
 * Sends one message through channels from plain workflow code (about an approval, or about any
 * callback: `{ kind, callback: { id, url, title, deadline } }`): a {@link Notifier} made for it,
 * returned so you can withdraw and read reports. `createCallback`'s `notify` does this for you.
 */
export function notify(channels: readonly NotifyChannel[], message: NotifyMessage, options: NotifierOptions = {}): Notifier {
  const notifier = new Notifier(options);
  notifier.send(channels, message);
  return notifier;
}
