import { condition } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { WaitHandle } from './callback-handle';
import { durationMs, invalidOption } from './durations';
import { whileWaiting } from './waiting-attribute';
import type { Wait } from './types';
import type { CallbackWaitResult } from '../protocol/callback-messages';

/** Options for {@link waitForQuorum}, {@link waitForAny} and {@link waitForAll}. */
export interface QuorumOptions {
  /** How long to wait. Default: until the last of the callbacks' default deadlines. */
  timeout?: Duration;
  /** Revoke the callbacks still pending once the outcome is known, so late senders are refused. Default true. */
  revokeRemaining?: boolean;
}

/** One callback's part in a quorum result. */
export interface QuorumAnswer {
  callbackId: string;
  label?: string;
  result: CallbackWaitResult;
}

/** The outcome of waiting on several callbacks. */
export interface QuorumResult {
  /** `met`: enough completed. `unreachable`: too many failed or ended to still meet it. `timed_out`: time ran out first. */
  status: 'met' | 'unreachable' | 'timed_out';
  required: number;
  /** Callbacks that completed, in the order given. */
  received: QuorumAnswer[];
  /** Callbacks that ended otherwise (failed, timed out, revoked). */
  ended: QuorumAnswer[];
  /** Callbacks still pending when the outcome was known (revoked by default). */
  pending: Array<{ callbackId: string; label?: string }>;
}

function handles(callbacks: readonly Wait[]): WaitHandle[] {
  return callbacks.map((callback) => {
    if (!(callback instanceof WaitHandle)) throw invalidOption('waitForQuorum takes waits from createCallback, createWebhookWait or restoreCallbacks.');
    return callback;
  });
}

function labelled(handle: WaitHandle) {
  return { callbackId: handle.id, ...(handle.label === undefined ? {} : { label: handle.label }) };
}

/**
 * Waits until `required` of `callbacks` have completed (N-of-M approvals: two approvers out of
 * three, each with their own URL), until that can no longer happen, or until the timeout. The
 * result says who answered what.
 */
export async function waitForQuorum(callbacks: readonly Wait[], required: number, options: QuorumOptions = {}): Promise<QuorumResult> {
  const list = handles(callbacks);
  if (!Number.isInteger(required) || required < 1 || required > list.length) {
    throw invalidOption(`required must be a whole number from 1 to ${list.length}; got ${required}.`);
  }
  const deadline = options.timeout === undefined ? Math.max(...list.map((handle) => handle.defaultDeadline())) : Date.now() + durationMs(options.timeout, 'timeout');
  const completed = () => list.filter((handle) => handle.status === 'completed').length;
  const open = () => list.filter((handle) => handle.status === 'pending').length;
  const decided = () => completed() >= required || completed() + open() < required;
  const remaining = deadline - Date.now();
  if (!decided() && remaining > 0) await whileWaiting(() => condition(decided, remaining));

  const status: QuorumResult['status'] = completed() >= required ? 'met' : completed() + open() < required ? 'unreachable' : 'timed_out';
  const pending = list.filter((handle) => handle.status === 'pending');
  if (options.revokeRemaining !== false) pending.forEach((handle) => handle.revoke());
  const answered = list.filter((handle) => !pending.includes(handle));
  // Every wait that is over withdraws what it told people (the revoked ones too), and reports it.
  const results = new Map(await Promise.all(list.filter((handle) => handle.status !== 'pending').map(async (handle) => [handle, await handle.settled()] as const)));
  const answer = (handle: WaitHandle): QuorumAnswer => ({ ...labelled(handle), result: results.get(handle)! });
  return {
    status,
    required,
    received: answered.filter((handle) => handle.status === 'completed').map(answer),
    ended: answered.filter((handle) => handle.status !== 'completed').map(answer),
    pending: pending.map(labelled),
  };
}

/** Waits until any one of `callbacks` completes. See {@link waitForQuorum}. */
export function waitForAny(callbacks: readonly Wait[], options?: QuorumOptions): Promise<QuorumResult> {
  return waitForQuorum(callbacks, 1, options);
}

/** Waits until all of `callbacks` complete, or one ends otherwise. See {@link waitForQuorum}. */
export function waitForAll(callbacks: readonly Wait[], options?: QuorumOptions): Promise<QuorumResult> {
  return waitForQuorum(callbacks, callbacks.length, options);
}
