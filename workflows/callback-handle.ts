import { ApplicationFailure, condition } from '@temporalio/workflow';
import type { CallbackEntry } from './callback-registry';
import { whileWaiting } from './waiting-attribute';
import { durationMs, invalidOption } from './durations';
import { linkExpiryOf, reissueLink } from './callback-link';
import type { Callback, ReissueOptions, Wait, WaitOptions, WebhookWait } from './types';
import type { CallbackDelivery, CallbackProgress, CallbackReceived, CallbackStatus, CallbackWaitResult, WebhookSubscriptionInfo } from '../protocol/callback-messages';

/**
 * How long a default `wait()` keeps listening after the URL expires: a request the gateway
 * accepted just before expiry may still be on its way as a signal.
 */
const EXPIRY_GRACE_MS = 60_000;

/** The {@link Wait} the helpers return: a view of one registry entry. */
export class WaitHandle<T = unknown> implements Wait<T> {
  constructor(protected readonly entry: CallbackEntry) {}

  get id(): string {
    return this.entry.id;
  }
  get label(): string | undefined {
    return this.entry.label;
  }
  get expiresAt(): Date {
    return new Date(this.entry.expiresAt);
  }
  get status(): CallbackStatus {
    return this.entry.status;
  }
  get progress(): CallbackProgress | undefined {
    return this.entry.progress;
  }
  get deliveries(): readonly CallbackDelivery[] {
    return this.entry.deliveries;
  }

  /** The default deadline of a wait, epoch ms (workflow time). */
  defaultDeadline(): number {
    return this.entry.timeoutAt ?? this.entry.expiresAt + EXPIRY_GRACE_MS;
  }

  async wait(options: WaitOptions = {}): Promise<CallbackWaitResult<T>> {
    const entry = this.entry;
    const { until } = options;
    if (until && entry.mode !== 'stream') throw invalidOption("wait({ until }) needs a stream callback: createCallback({ mode: 'stream' }).");
    const started = Date.now();
    const deadline = options.timeout === undefined ? this.defaultDeadline() : started + durationMs(options.timeout, 'timeout');
    const heartbeatMs = options.heartbeatTimeout === undefined ? undefined : durationMs(options.heartbeatTimeout, 'heartbeatTimeout');
    const done = () => entry.status !== 'pending' || (until !== undefined && entry.deliveries.length > 0 && until(entry.deliveries));

    if (!done()) await whileWaiting(async () => {
      while (!done()) {
        const now = Date.now();
        const heartbeatDeadline = heartbeatMs === undefined ? Infinity : Math.max(started, entry.lastHeartbeatAt ?? 0) + heartbeatMs;
        if (now >= deadline || now >= heartbeatDeadline) {
          entry.status = 'timed_out';
          entry.heartbeatTimedOut = now < deadline;
          return;
        }
        const lastHeartbeat = entry.lastHeartbeatAt;
        // Wake on completion, and on each heartbeat when heartbeats extend the wait.
        await condition(
          () => done() || (heartbeatMs !== undefined && entry.lastHeartbeatAt !== lastHeartbeat),
          Math.min(deadline, heartbeatDeadline) - now,
        );
      }
    });
    if (entry.status === 'pending') entry.status = 'completed';
    return this.settled();
  }

  /**
   * The result of a wait that is over, once what its notifier sent (`createCallback`'s `notify`)
   * was withdrawn, with the reports; the plain {@link result} for a callback that notified nobody.
   * Withdrawal waits for sends still retrying, bounded by their retry policy; it never throws, and
   * runs once however often this is called.
   */
  async settled(): Promise<CallbackWaitResult<T>> {
    const result = this.result();
    const notifier = this.entry.notifier;
    if (!notifier || this.entry.status === 'pending') return result;
    await notifier.withdraw({ status: result.status });
    return { ...result, notifications: notifier.reports() };
  }

  async waitOrThrow(options?: WaitOptions): Promise<CallbackReceived<T>> {
    const result = await this.wait(options);
    if (result.status === 'received') return result;
    const failures = {
      failed: ['CALLBACK_FAILED', `The sender reported that the work failed: ${result.status === 'failed' ? result.error.message : ''}`],
      timed_out: ['CALLBACK_TIMED_OUT', `No delivery arrived for callback ${this.id} before the wait timed out.`],
      heartbeat_timed_out: ['CALLBACK_HEARTBEAT_TIMED_OUT', `No heartbeat arrived for callback ${this.id} within the heartbeat timeout.`],
      revoked: ['CALLBACK_REVOKED', `Callback ${this.id} was revoked.`],
    } as const;
    const [type, message] = failures[result.status];
    throw ApplicationFailure.create({ type, message, nonRetryable: true, details: [result] });
  }

  revoke(): void {
    if (this.entry.status === 'pending') this.entry.status = 'revoked';
  }

  close(): void {
    if (this.entry.status !== 'pending') return;
    this.entry.status = this.entry.deliveries.length > 0 ? 'completed' : 'revoked';
  }

  /** The result for a callback that is no longer pending. */
  result(): CallbackWaitResult<T> {
    const { entry } = this;
    const callbackId = entry.id;
    switch (entry.status) {
      case 'completed': {
        const last = entry.deliveries[entry.deliveries.length - 1]!;
        const { kind: _kind, data, ...rest } = last;
        return { ...rest, status: 'received', data: data as T, deliveries: [...entry.deliveries] };
      }
      case 'failed':
        return { status: 'failed', callbackId, ...entry.failure! };
      case 'revoked':
        return { status: 'revoked', callbackId };
      case 'timed_out':
      case 'pending':
        return entry.heartbeatTimedOut
          ? { status: 'heartbeat_timed_out', callbackId, ...(entry.progress ? { lastProgress: entry.progress } : {}) }
          : { status: 'timed_out', callbackId };
    }
  }
}

/** The {@link Callback} `createCallback` returns: a wait with its URL. */
export class CallbackHandle<T = unknown> extends WaitHandle<T> implements Callback<T> {
  get url(): string {
    return this.entry.url;
  }
  get linkExpiresAt(): Date {
    return new Date(linkExpiryOf(this.entry));
  }

  async reissue(options: ReissueOptions = {}): Promise<string> {
    return (await reissueLink(this.entry, options)).url;
  }
}

/** The {@link WebhookWait} `createWebhookWait` returns: a wait with what it matches. */
export class WebhookWaitHandle<T = unknown> extends WaitHandle<T> implements WebhookWait<T> {
  get webhook(): WebhookSubscriptionInfo {
    return this.entry.webhook!;
  }
}

/** The handle for a registry entry: a webhook wait's when the entry matches a webhook, else a callback's. */
export function handleOf<T = unknown>(entry: CallbackEntry): CallbackHandle<T> | WebhookWaitHandle<T> {
  return entry.webhook ? new WebhookWaitHandle<T>(entry) : new CallbackHandle<T>(entry);
}
