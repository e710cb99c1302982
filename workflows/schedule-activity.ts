import type { ActivityOptions, Duration, LocalActivityOptions } from '@temporalio/common';
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import { durationMs, invalidOption } from './durations';

/** Default scheduling of the helpers' activities as regular activities: they are quick. */
const DEFAULT_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
};

/** Default scheduling of the helpers' activities as local activities. */
const DEFAULT_LOCAL_ACTIVITY_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '10s' },
};

const defaultActivities = proxyActivities<Record<string, never>>(DEFAULT_ACTIVITY_OPTIONS);
const defaultLocalActivities = proxyLocalActivities<Record<string, never>>(DEFAULT_LOCAL_ACTIVITY_OPTIONS);

/**
 * How the helpers schedule their activities by default: as local activities. Measured
 * (BENCHMARKS.md) about 25 times faster than a regular activity on the dev server, since there is
 * no task-queue round trip; and safe: the result is recorded in a marker, so replays reuse it, and
 * a worker that dies before recording it simply runs it again.
 */
export const DEFAULT_MINT_WITH = 'localActivity' as const;

/**
 * The activities of type `A`, scheduled as `how` says (`localActivity` by default) with
 * `overrides` on top of the defaults; `option` names the option in the error for a bad `how`.
 */
export function scheduledActivities<A>(how: unknown, overrides: ActivityOptions | undefined, option: string): A {
  if ((how ?? DEFAULT_MINT_WITH) === 'localActivity') {
    return (overrides ? proxyLocalActivities({ ...DEFAULT_LOCAL_ACTIVITY_OPTIONS, ...(overrides as LocalActivityOptions) }) : defaultLocalActivities) as A;
  }
  if (how !== 'activity') throw invalidOption(`${option} must be 'activity' or 'localActivity'; got ${JSON.stringify(how)}.`);
  return (overrides ? proxyActivities({ ...DEFAULT_ACTIVITY_OPTIONS, ...overrides }) : defaultActivities) as A;
}

/** How long a callback lives when neither `expiresIn` nor `timeout` is given. */
const DEFAULT_EXPIRES_IN: Duration = '7d';

/** How much longer than its wait's `timeout` a callback lives: enough for clock skew and requests in flight, no more. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

/** The longest `expiresIn` accepted. */
const MAX_EXPIRES_IN_MS = 366 * 24 * 60 * 60 * 1000;

/** A callback's default wait (`timeoutMs`, if given) and lifetime (`expiresInMs`), from its options. */
export function lifetimeOf(options: { timeout?: Duration; expiresIn?: Duration }): { timeoutMs?: number; expiresInMs: number } {
  const timeoutMs = options.timeout === undefined ? undefined : durationMs(options.timeout, 'timeout');
  const expiresInMs =
    options.expiresIn !== undefined
      ? durationMs(options.expiresIn, 'expiresIn')
      : timeoutMs !== undefined
        ? timeoutMs + EXPIRY_MARGIN_MS
        : durationMs(DEFAULT_EXPIRES_IN, 'expiresIn');
  if (expiresInMs > MAX_EXPIRES_IN_MS) throw invalidOption(`A callback may live at most 366 days; got ${expiresInMs} ms.`);
  return { ...(timeoutMs === undefined ? {} : { timeoutMs }), expiresInMs };
}
