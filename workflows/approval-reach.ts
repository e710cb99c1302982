import type { Duration } from '@temporalio/common';
import { condition } from '@temporalio/workflow';
import { durationMs, invalidOption } from './durations';
import type { ApprovalState } from './approval-rules';
import type { CallbackEntry } from './callback-registry';
import { checkNotifyChannels, type ApprovalSubject, type Notifier } from './notify';
import type { ApproverRule } from '../protocol/approval-messages';
import type { ApprovalReachPlan as ReachPlan, ApprovalReachStep as ReachStep, NotifyChannel } from '../protocol/notification-messages';

/**
 * Reminders, a warning before the deadline, and escalation: what an approval (or any callback
 * created with them, see `callback-reach.ts`) does, on durable timers, while nobody has answered.
 * Sandbox code: the plan is data in the approval's state or the callback's entry (so
 * continue-as-new carries it and a restored one goes on where it was), and each step is taken
 * once, when its time comes, unless the wait ended first.
 */

/** Who an escalation adds, and where they are told. */
export interface EscalationOptions {
  /** How long after the request, if still undecided. */
  after: Duration;
  /** Approvers added from then on (the approvers named at first keep their say), and the channels they are notified on. */
  to: { approvers?: ApproverRule[]; notify?: NotifyChannel[] };
}

/** The reach options of `requestApproval`. */
export interface ReachOptions {
  /** When to notify the same people again, as times after the request (`['1h', '4h']`), while nobody has decided. */
  remind?: Duration[];
  /** Add approvers (and notify them) after a while undecided: one escalation or several, each at its own time. */
  escalate?: EscalationOptions | EscalationOptions[];
  /** Warn the people this long before the deadline, while they can still meet it. */
  warnBefore?: Duration;
}

/**
 * The plan for `options`, for a request made at `requestedAt` that waits until `deadline`;
 * `INVALID_CALLBACK_OPTIONS` for bad options. `checkApprovers` checks an escalation's `approvers`
 * (the caller's rules: an approval's approver rules; a plain callback refuses any).
 */
export function planReach(options: ReachOptions, requestedAt: number, deadline: number, checkApprovers: (rules: unknown) => ApproverRule[]): ReachPlan | undefined {
  const steps: ReachStep[] = [];
  const within = (ms: number, name: string) => {
    if (requestedAt + ms >= deadline) throw invalidOption(`${name} comes at or after the deadline, so it could never be taken; give a shorter time, or a longer timeout.`);
    return requestedAt + ms;
  };
  if (options.remind !== undefined) {
    if (!Array.isArray(options.remind)) throw invalidOption(`remind is a list of times after the request, such as ['1h', '4h']; got ${JSON.stringify(options.remind)}.`);
    options.remind.forEach((after, i) => steps.push({ at: within(durationMs(after, `remind[${i}]`), `remind[${i}]`), kind: 'reminder' }));
  }
  if (options.warnBefore !== undefined) {
    const before = durationMs(options.warnBefore, 'warnBefore');
    if (deadline - before <= requestedAt) throw invalidOption('warnBefore is as long as the whole wait or longer, so the warning would come with the request; give a shorter time.');
    steps.push({ at: deadline - before, kind: 'deadline-warning' });
  }
  if (options.escalate !== undefined) {
    const escalations = Array.isArray(options.escalate) ? options.escalate : [options.escalate];
    escalations.forEach((escalation, i) => {
      const name = Array.isArray(options.escalate) ? `escalate[${i}]` : 'escalate';
      if (typeof escalation !== 'object' || escalation === null || typeof escalation.to !== 'object' || escalation.to === null) {
        throw invalidOption(`${name} is { after: '8h', to: { notify: [...] } } (an approval's may add approvers: [...]); got ${JSON.stringify(escalation)}.`);
      }
      const approvers = escalation.to.approvers === undefined ? [] : checkApprovers(escalation.to.approvers);
      const notify = escalation.to.notify ?? [];
      if (!Array.isArray(notify)) throw invalidOption(`${name}.to.notify is a list of channels; got ${JSON.stringify(notify)}.`);
      if (approvers.length === 0 && notify.length === 0) throw invalidOption(`${name}.to names nobody: give channels to notify (an approval's may add approvers instead, or both).`);
      steps.push({ at: within(durationMs(escalation.after, `${name}.after`), `${name}.after`), kind: 'escalation', approvers, notify });
    });
  }
  if (steps.length === 0) return undefined;
  // Stable: steps due at the same time keep the order they were given in.
  return { steps: steps.map((step, i) => [step, i] as const).sort(([a, i], [b, j]) => a.at - b.at || i - j).map(([step]) => step), done: 0 };
}

/**
 * {@link planReach}, then what holds for every wait that notifies: reminders and a deadline warning
 * tell the `channels` again, so they need some, and each escalation's channels are well formed.
 * `what` names the wait in the refusal (`approval`, `callback`).
 */
export function planNotifiedReach(
  options: ReachOptions,
  channels: readonly NotifyChannel[],
  window: { requestedAt: number; deadline: number },
  checkApprovers: (rules: unknown) => ApproverRule[],
  what: string,
): ReachPlan | undefined {
  const reach = planReach(options, window.requestedAt, window.deadline, checkApprovers);
  if (reach?.steps.some((step) => step.kind !== 'escalation') && channels.length === 0) {
    throw invalidOption(`remind and warnBefore tell the ${what}'s people again, on its notify channels: give notify too.`);
  }
  reach?.steps.forEach((step) => step.kind === 'escalation' && checkNotifyChannels(step.notify));
  return reach;
}

/**
 * Takes the plan's remaining steps as their times come, each once, until `isOver()` (decided,
 * cancelled, timed out). `take` must not throw (notifications record their own failures).
 * Each wait is a durable timer: a worker restart loses none, and a step already taken is
 * never taken again (`plan.done` moves past it before the next wait).
 */
export async function followReach(plan: ReachPlan, isOver: () => boolean, take: (step: ReachStep) => void): Promise<void> {
  while (plan.done < plan.steps.length) {
    const step = plan.steps[plan.done]!;
    const wait = step.at - Date.now();
    if (wait > 0 ? await condition(isOver, wait) : isOver()) return;
    plan.done += 1;
    take(step);
  }
}

/** What an approval's people are told about it now: its current URL, action, deadline and votes. */
export function approvalNotice(entry: CallbackEntry, state: ApprovalState): ApprovalSubject {
  return {
    id: entry.id,
    url: entry.url,
    action: state.action,
    ...(state.initiator ? { initiator: state.initiator } : {}),
    deadline: new Date(entry.timeoutAt ?? entry.expiresAt).toISOString(),
    quorum: state.rules.quorum,
    votes: [...state.votes],
  };
}

/**
 * Follows the approval's reach plan (its state's `reach`) beside the wait: a reminder or a
 * deadline warning notifies the approval's own channels again, with its current URL and votes;
 * an escalation adds its approvers (recorded in the state, so the record and the inbox show them)
 * and notifies its channels. Ends when the approval does. Called by `requestApproval`, and by
 * `restoreApproval` to go on after continue-as-new.
 */
export function followApprovalReach(entry: CallbackEntry, state: ApprovalState, notifier: Notifier | undefined): void {
  const plan = state.reach;
  if (!plan) return;
  const isOver = () => state.outcome !== undefined || entry.status !== 'pending';
  void followReach(plan, isOver, (step) => {
    if (step.kind === 'escalation') {
      state.approvers = [...state.approvers, ...step.approvers];
      state.escalations = [...(state.escalations ?? []), { at: new Date(step.at).toISOString(), approvers: step.approvers }];
      if (step.notify.length > 0) notifier?.send(step.notify, { kind: 'escalation', approval: approvalNotice(entry, state) });
      return;
    }
    notifier?.send(state.notify ?? [], { kind: step.kind, approval: approvalNotice(entry, state) });
  });
}
