import { followReach, planNotifiedReach } from './approval-reach';
import type { CallbackEntry } from './callback-registry';
import { invalidOption } from './durations';
import { checkNotifyChannels, Notifier, type CallbackSubject } from './notify';
import type { CallbackReach, CallbackReachOptions } from './types';

/**
 * Notify, reminders, a deadline warning and escalation for a plain callback (`createCallback`),
 * on the same plan and timers as an approval's (`approval-reach.ts`). Sandbox code: the channels
 * and the plan are data in the callback's entry (`reach`), so a snapshot carries them across
 * continue-as-new; the {@link Notifier} is not data, and each run has its own.
 */

/** What a callback's title is when it has neither a `title` nor a label. */
const UNTITLED = 'A reply is awaited';

/** What a callback's notifications say of it now: its current URL, title, description and deadline. */
export function callbackNotice(entry: CallbackEntry): CallbackSubject {
  return {
    id: entry.id,
    url: entry.url,
    title: entry.title || entry.label || UNTITLED,
    ...(entry.description ? { description: entry.description } : {}),
    deadline: new Date(entry.timeoutAt ?? entry.expiresAt).toISOString(),
  };
}

/** A plain callback's escalation adds no approvers: there are none. */
function refuseApprovers(): never {
  throw invalidOption("A callback's escalation tells channels (to: { notify }) and adds no approvers: a callback has none. Approvers belong to requestApproval.");
}

/**
 * The reach of a callback created at `requestedAt` that waits until `deadline` (its `timeout`, else
 * its end), or undefined when it notifies nobody. Checked before anything is minted:
 * `INVALID_CALLBACK_OPTIONS` for malformed channels, a time at or past the deadline, reminders or a
 * warning without `notify`, and approvers in an escalation.
 */
export function planCallbackReach(options: CallbackReachOptions, requestedAt: number, deadline: number): CallbackReach | undefined {
  const channels = options.notify === undefined ? [] : checkNotifyChannels(options.notify);
  const plan = planNotifiedReach(options, channels, { requestedAt, deadline }, refuseApprovers, 'callback');
  if (channels.length === 0 && !plan) return undefined;
  return {
    ...(channels.length ? { notify: channels } : {}),
    ...(plan ? { plan } : {}),
    ...(options.notifyActivityOptions ? { notifyActivityOptions: options.notifyActivityOptions } : {}),
  };
}

/**
 * Starts telling people about `entry` while it is pending: with `announce`, the request on its
 * `notify` channels now; then each remaining step of its plan when its time comes (a reminder or a
 * deadline warning on the same channels, an escalation on its own), until the callback is no
 * longer pending. Gives the entry its notifier (which `wait()` withdraws once the wait ends) and
 * rewrites its Slack cards when its URL is reissued. Called by `createCallback` (announcing) and
 * by `restoreCallbacks` (going on after continue-as-new, without announcing again).
 */
export function followCallbackReach(entry: CallbackEntry, announce: boolean): void {
  const reach = entry.reach;
  if (!reach || entry.approval || entry.status !== 'pending') return;
  const channels = reach.notify ?? [];
  const escalating = reach.plan?.steps.slice(reach.plan.done).some((step) => step.kind === 'escalation' && step.notify.length > 0) === true;
  if (channels.length === 0 && !escalating) return;
  const notifier = new Notifier(reach.notifyActivityOptions ? { activityOptions: reach.notifyActivityOptions } : {});
  entry.notifier = notifier;
  entry.onRelinked = () => notifier.refresh(callbackNotice(entry));
  if (announce && channels.length > 0) notifier.send(channels, { kind: 'request', callback: callbackNotice(entry) });
  if (!reach.plan) return;
  void followReach(
    reach.plan,
    () => entry.status !== 'pending',
    (step) => notifier.send(step.kind === 'escalation' ? step.notify : channels, { kind: step.kind, callback: callbackNotice(entry) }),
  );
}
