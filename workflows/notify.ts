import type { ActivityOptions } from '@temporalio/common';
import { uuid4, workflowInfo } from '@temporalio/workflow';
import { invalidOption } from './durations';
import { scheduledActivities } from './schedule-activity';
import { approvalOutcomeLine, slackApprovalBlocks, slackOutcomeBlocks } from './slack-approval-blocks';
import type {
  ApprovalEnding,
  ApprovalNotice,
  NotificationActivities,
  NotificationChannelKind,
  NotificationError,
  NotificationKind,
  NotificationReport,
  NotificationWebhookType,
  NotifyChannel,
  SlackCardRef,
} from '../protocol/notification-messages';

/** How a {@link Notifier} schedules its activities. */
export interface NotifierOptions {
  /** Regular activities (the default: a send may retry for minutes, and should not hold a workflow task) or local ones. */
  activitiesWith?: 'activity' | 'localActivity';
  /** On top of {@link DEFAULT_NOTIFY_ACTIVITY_OPTIONS}; a `retry` given here is merged into the default one. */
  activityOptions?: ActivityOptions;
}

/** What one {@link Notifier.send} says: why, and about which approval (its callback id, and what the card and mail show). */
export interface NotifyMessage {
  kind: NotificationKind;
  approval: ApprovalNotice & { id: string };
}

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

const WEBHOOK_TYPES: Record<NotificationKind, NotificationWebhookType> = {
  request: 'approval.requested',
  reminder: 'approval.reminder',
  escalation: 'approval.escalation',
  'deadline-warning': 'approval.deadline_warning',
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

/** One notification sent (or tried): its report, and what withdrawing it needs. */
interface Notification {
  report: NotificationReport;
  approval: NotifyMessage['approval'];
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
 * Tells people about a pending approval through channels (mail, Slack, a signed webhook) and, once
 * it ended, withdraws what it told them: workflow code, deterministic. Sends run beside the wait
 * and never block or fail it; each is an activity with a bounded retry policy, and
 * {@link Notifier.reports} says what was sent, withdrawn, or failed and why. `requestApproval`'s
 * `notify` option uses one; reminders and escalations send through the same notifier.
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
    for (const channel of Array.isArray(channels) ? channels : [channels as unknown as NotifyChannel]) {
      try {
        checkNotifyChannels([channel]);
      } catch (err) {
        // A malformed channel is reported like a failed send: `send` never throws into the wait.
        const named = typeof channel === 'object' && channel !== null ? Object.keys(channel)[0] : undefined;
        const kind: NotificationChannelKind = named === 'email' || named === 'slack' ? named : 'webhook';
        this.notifications.push({ report: { channel: kind, target: '', kind: message.kind, sent: false, error: errorOf(err) }, approval: message.approval, done: Promise.resolve() });
        continue;
      }
      const { kind, target } = channelOf(channel);
      const notification: Notification = { report: { channel: kind, target, kind: message.kind, sent: false }, approval: message.approval, done: Promise.resolve() };
      notification.done = this.start(channel, message, notification).then(
        () => void (notification.report.sent = true),
        (err: unknown) => void (notification.report.error = errorOf(err)),
      );
      this.notifications.push(notification);
    }
  }

  private async start(channel: NotifyChannel, message: NotifyMessage, notification: Notification): Promise<void> {
    const { approval } = message;
    if ('email' in channel) {
      await this.activities.sendApprovalMail({ to: channel.email.to, kind: message.kind, approval: noticeOf(approval) });
    } else if ('slack' in channel) {
      const blocks = slackApprovalBlocks(approval);
      const card = await this.activities.postApprovalCard({ channel: channel.slack.channel, text: `Approval asked: ${approval.action.title}`, blocks });
      notification.card = card;
      notification.report.ts = card.ts;
    } else {
      notification.webhook = { url: channel.webhook.url, ...(channel.webhook.sender ? { sender: channel.webhook.sender } : {}) };
      await this.activities.postNotificationWebhook({
        ...notification.webhook,
        id: uuid4(),
        event: { type: WEBHOOK_TYPES[message.kind], ...aboutApproval(approval), deadline: approval.deadline, votes: approval.votes },
      });
    }
  }

  /**
   * Rewrites each Slack card posted for `approval` with what it is now (a reissued URL, a changed
   * action), so its buttons carry the current link; mail and webhooks already sent are not
   * repeated. Runs beside the wait, after the sends still retrying, and never throws: a card that
   * could not be rewritten says so in its report (`refreshError`), and its buttons are answered
   * that the link was replaced.
   */
  refresh(approval: NotifyMessage['approval']): void {
    const previous = this.refreshing;
    this.refreshing = (async () => {
      await previous;
      const posted = this.notifications.filter((notification) => notification.approval.id === approval.id);
      await Promise.all(posted.map((notification) => notification.done));
      await Promise.all(
        posted.map(async (notification) => {
          notification.approval = approval;
          if (!notification.card) return;
          try {
            await this.activities.updateApprovalCard({ ...notification.card, text: `Approval asked: ${approval.action.title}`, blocks: slackApprovalBlocks(approval) });
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
   * webhook that was notified an `approval.ended` event. A mailed link needs nothing: the page it
   * opens shows the outcome from now on. Never throws; call it once (later calls return the first).
   */
  withdraw(ending: ApprovalEnding): Promise<void> {
    this.withdrawing ??= this.withdrawAll(ending);
    return this.withdrawing;
  }

  private async withdrawAll(ending: ApprovalEnding): Promise<void> {
    await Promise.all(this.notifications.map((notification) => notification.done));
    await this.refreshing;
    const sent = this.notifications.filter((notification) => notification.report.sent);
    const endings: Array<Promise<void>> = [];
    for (const notification of sent) {
      if (notification.report.channel === 'email') notification.report.withdrawn = true;
      const card = notification.card;
      if (card) {
        const { approval } = notification;
        endings.push(
          this.activities.updateApprovalCard({ ...card, text: `${approval.action.title}: ${approvalOutcomeLine(ending)}`, blocks: slackOutcomeBlocks(approval, ending) }).then(
            () => void (notification.report.withdrawn = true),
            (err: unknown) => {
              notification.report.withdrawn = false;
              notification.report.withdrawError = errorOf(err);
            },
          ),
        );
      }
    }
    // One `approval.ended` per webhook (URL and sender) that heard of the approval, however many events it got.
    const webhooks = new Map<string, Notification[]>();
    for (const notification of sent) {
      if (!notification.webhook) continue;
      const key = JSON.stringify([notification.webhook.url, notification.webhook.sender ?? null, notification.approval.id]);
      webhooks.set(key, [...(webhooks.get(key) ?? []), notification]);
    }
    for (const group of webhooks.values()) {
      const { webhook, approval } = group[0]!;
      endings.push(
        this.activities
          .postNotificationWebhook({
            ...webhook!,
            id: uuid4(),
            event: { type: 'approval.ended', ...aboutApproval(approval), votes: ending.votes, outcome: ending.outcome, decidedBy: ending.decidedBy },
          })
          .then(
            () => group.forEach((each) => void (each.report.withdrawn = true)),
            (err: unknown) =>
              group.forEach((each) => {
                each.report.withdrawn = false;
                each.report.withdrawError = errorOf(err);
              }),
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
function aboutApproval(approval: NotifyMessage['approval']) {
  return {
    url: approval.url,
    action: approval.action,
    workflowId: workflowInfo().workflowId,
    approvalId: approval.id,
    ...(approval.initiator ? { initiator: approval.initiator } : {}),
  };
}

function noticeOf(approval: NotifyMessage['approval']): ApprovalNotice {
  const { id: _id, ...notice } = approval;
  return notice;
}

/**
 * Sends one message through channels from plain workflow code (a callback that is not an approval
 * can use it too): a {@link Notifier} made for it, returned so you can withdraw and read reports.
 */
export function notify(channels: readonly NotifyChannel[], message: NotifyMessage, options: NotifierOptions = {}): Notifier {
  const notifier = new Notifier(options);
  notifier.send(channels, message);
  return notifier;
}
