import { ApplicationFailure } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';

/** The failure every helper raises for bad options: non-retryable, since a retry cannot fix code. */
export function invalidOption(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'INVALID_CALLBACK_OPTIONS', message, nonRetryable: true });
}

/** A positive duration in milliseconds, or an `INVALID_CALLBACK_OPTIONS` failure naming the option. */
export function durationMs(value: Duration, name: string): number {
  let ms: number;
  try {
    ms = msToNumber(value);
  } catch {
    throw invalidOption(`${name} must be a duration such as '2h', '7 days' or a number of milliseconds; got ${JSON.stringify(value)}.`);
  }
  if (!Number.isFinite(ms) || ms <= 0) throw invalidOption(`${name} must be a positive duration; got ${JSON.stringify(value)}.`);
  return ms;
}
