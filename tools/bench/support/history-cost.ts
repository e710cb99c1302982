import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { sleep } from '../../../test/support/async';
import { epochMs, eventName } from './history-trace';
import { median } from './stats';

/**
 * What a workflow's history costs Temporal: its events and bytes, and the operations they record
 * (starts, signals, updates, workflow tasks, timers, activities). Read from the history itself,
 * so it counts what Temporal stored, not what a client meant to send.
 */

/** A workflow history as the client reads it (`handle.fetchHistory()`). */
export type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** A history's size and the Temporal operations it records. */
export interface HistoryCost {
  events: number;
  /** Its protobuf encoding, bytes: what Temporal stores, and what a worker is sent to replay it. */
  bytes: number;
  /** Executions started (`WorkflowExecutionStarted`): 1 per run. */
  starts: number;
  /** Signals received (`WorkflowExecutionSignaled`). */
  signals: number;
  /** Updates accepted (`WorkflowExecutionUpdateAccepted`). */
  updates: number;
  /** Signals it sent to other workflows (`SignalExternalWorkflowExecutionInitiated`). */
  signalsSent: number;
  /** Workflow tasks completed: each one a round trip to a worker. */
  workflowTasks: number;
  /** Activities scheduled (each one a round trip through its task queue). */
  activities: number;
  /** Local activities recorded (`MarkerRecorded`). */
  localActivities: number;
  /** Timers started. */
  timers: number;
}

const COUNTED: Record<Exclude<keyof HistoryCost, 'events' | 'bytes'>, string> = {
  starts: 'WorkflowExecutionStarted',
  signals: 'WorkflowExecutionSignaled',
  updates: 'WorkflowExecutionUpdateAccepted',
  signalsSent: 'SignalExternalWorkflowExecutionInitiated',
  workflowTasks: 'WorkflowTaskCompleted',
  activities: 'ActivityTaskScheduled',
  localActivities: 'MarkerRecorded',
  timers: 'TimerStarted',
};

const FIELDS = ['events', 'bytes', ...Object.keys(COUNTED)] as Array<keyof HistoryCost>;

/** The cost of `history`. */
export function historyCost(history: History): HistoryCost {
  const names = (history.events ?? []).map(eventName);
  const counts = Object.fromEntries(Object.entries(COUNTED).map(([field, name]) => [field, names.filter((n) => n === name).length]));
  return { events: names.length, bytes: temporal.api.history.v1.History.encode(history).finish().length, ...counts } as HistoryCost;
}

/** The field-by-field sum of `costs` (e.g. a waiter's and its mailbox's). */
export function addCosts(...costs: HistoryCost[]): HistoryCost {
  return Object.fromEntries(FIELDS.map((field) => [field, costs.reduce((sum, cost) => sum + cost[field], 0)])) as unknown as HistoryCost;
}

/** The field-by-field median of `costs` (NaN fields when there are none). */
export function medianCost(costs: readonly HistoryCost[]): HistoryCost {
  return Object.fromEntries(FIELDS.map((field) => [field, median(costs.map((cost) => cost[field]))])) as unknown as HistoryCost;
}

/**
 * True when nothing is left for the workflow to do for what reached it so far: a workflow task
 * completed, none scheduled after it, and every signal it sent to another workflow resolved.
 * (A signal that arrives while a task runs is appended with a new `WorkflowTaskScheduled`.)
 */
export function isQuiet(history: History): boolean {
  const names = (history.events ?? []).map(eventName);
  const completed = names.lastIndexOf('WorkflowTaskCompleted');
  if (completed === -1 || names.indexOf('WorkflowTaskScheduled', completed) !== -1) return false;
  const count = (name: string) => names.filter((n) => n === name).length;
  return count('SignalExternalWorkflowExecutionInitiated') === count('ExternalWorkflowExecutionSignaled') + count('SignalExternalWorkflowExecutionFailed');
}

/** `handle`'s history once it {@link isQuiet}, read every `intervalMs`; rejects after `timeoutMs`. */
export async function quietHistory(handle: WorkflowHandle, timeoutMs = 10_000, intervalMs = 5): Promise<History> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const history = await handle.fetchHistory();
    if (isQuiet(history)) return history;
    if (Date.now() > deadline) throw new Error(`the history of ${handle.workflowId} did not settle within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** When each signal named `signalName` reached the workflow, epoch ms, in history order. */
export function signalTimes(history: History, signalName: string): number[] {
  return (history.events ?? []).filter((event: HistoryEvent) => event.workflowExecutionSignaledEventAttributes?.signalName === signalName).map(epochMs);
}

/** When each update named `updateName` was accepted by the workflow, epoch ms, in history order. */
export function updateTimes(history: History, updateName: string): number[] {
  return (history.events ?? []).filter((event: HistoryEvent) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === updateName).map(epochMs);
}

/**
 * When the workflow task that handled the first signal named `signalName` completed, epoch ms: the
 * moment the commands it gave in answer (the next step's, say) reached the server.
 */
export function taskCompletedAfterSignal(history: History, signalName: string): number | undefined {
  const events = history.events ?? [];
  const signal = events.findIndex((event) => event.workflowExecutionSignaledEventAttributes?.signalName === signalName);
  const completed = signal === -1 ? undefined : events.slice(signal).find((event) => eventName(event) === 'WorkflowTaskCompleted');
  return completed && epochMs(completed);
}
