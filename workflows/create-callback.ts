import { ApplicationFailure, condition, proxyActivities, uuid4, type ActivityOptions } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { deliveryInbox, type DeliveryInbox } from './delivery-inbox';
import type {
  Callback,
  CallbackActivities,
  CallbackReceived,
  CallbackWaitResult,
  CreateCallbackOptions,
  WaitOptions,
} from './types';

/** How long a URL lives when `expiresIn` is not given. */
export const DEFAULT_EXPIRES_IN: Duration = '7d';

/** The longest `expiresIn` accepted. */
export const MAX_EXPIRES_IN_MS = 366 * 24 * 60 * 60 * 1000;

/**
 * How long a default `wait()` keeps listening after the URL expires: a request the gateway
 * accepted just before expiry may still be on its way as a signal.
 */
export const EXPIRY_GRACE_MS = 60_000;

/** Default scheduling of the `generateCallbackUrl` activity: it only signs, so it is quick. */
export const DEFAULT_MINT_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
};

const defaultActivities = proxyActivities<CallbackActivities>(DEFAULT_MINT_ACTIVITY_OPTIONS);

function invalidOption(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'INVALID_CALLBACK_OPTIONS', message, nonRetryable: true });
}

function durationMs(value: Duration, name: string): number {
  let ms: number;
  try {
    ms = msToNumber(value);
  } catch {
    throw invalidOption(`${name} must be a duration such as '2h', '7 days' or a number of milliseconds; got ${JSON.stringify(value)}.`);
  }
  if (!Number.isFinite(ms) || ms <= 0) throw invalidOption(`${name} must be a positive duration; got ${JSON.stringify(value)}.`);
  return ms;
}

class MintedCallback implements Callback {
  constructor(
    readonly id: string,
    readonly url: string,
    readonly expiresAt: Date,
    private readonly inbox: DeliveryInbox,
  ) {}

  async wait<T = unknown>(options: WaitOptions = {}): Promise<CallbackWaitResult<T>> {
    const timeoutMs =
      options.timeout === undefined ? this.expiresAt.getTime() + EXPIRY_GRACE_MS - Date.now() : durationMs(options.timeout, 'timeout');
    const arrived = () => this.inbox.first(this.id) !== undefined;
    if (!arrived() && timeoutMs > 0) await condition(arrived, timeoutMs);
    const delivery = this.inbox.first(this.id);
    if (!delivery) return { status: 'timed_out', callbackId: this.id };
    return { ...delivery, status: 'received', data: delivery.data as T };
  }

  async waitOrThrow<T = unknown>(options?: WaitOptions): Promise<CallbackReceived<T>> {
    const result = await this.wait<T>(options);
    if (result.status === 'received') return result;
    throw ApplicationFailure.create({
      type: 'CALLBACK_TIMED_OUT',
      message: `No delivery arrived for callback ${this.id} before the wait timed out.`,
      nonRetryable: true,
      details: [{ callbackId: this.id }],
    });
  }
}

/**
 * Mints a callback URL for the current workflow and returns a {@link Callback} to wait on.
 *
 * The URL carries a signed token naming this workflow (by id, not run id) and a fresh callback
 * id; hand it to the external system, then call `callback.wait()`. Deliveries are recorded from
 * the moment this function starts, so one that arrives before `wait()` is never lost. Call it
 * as often as needed: each callback has its own id and its own deliveries.
 *
 * @throws `ApplicationFailure` of type `INVALID_CALLBACK_OPTIONS` (non-retryable) for bad options;
 *   the activity's failure (e.g. `CALLBACK_API_KEY_NOT_CONFIGURED`) when minting fails.
 */
export async function createCallback(options: CreateCallbackOptions = {}): Promise<Callback> {
  const inbox = deliveryInbox();
  const expiresInMs = durationMs(options.expiresIn ?? DEFAULT_EXPIRES_IN, 'expiresIn');
  if (expiresInMs > MAX_EXPIRES_IN_MS) throw invalidOption(`expiresIn may be at most 366 days; got ${JSON.stringify(options.expiresIn)}.`);
  const id = uuid4();
  const expiresAt = Date.now() + expiresInMs;
  const includeApiKey = options.includeApiKey === true;
  const activities = options.activityOptions
    ? proxyActivities<CallbackActivities>({ ...DEFAULT_MINT_ACTIVITY_OPTIONS, ...options.activityOptions })
    : defaultActivities;
  const { url } = await activities.generateCallbackUrl({
    callbackId: id,
    expiresAt,
    includeApiKey,
    requireApiKey: includeApiKey || options.requireApiKey === true,
    allowGet: options.allowGet === true,
  });
  return new MintedCallback(id, url, new Date(expiresAt), inbox);
}
