import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { withinDeadline, type CallbackTarget, type ChainHead } from './temporal-calls';

/**
 * Reading a callback's execution chain from Temporal's histories, for what only history can tell
 * when no worker answers a query: where the chain's last run is, and each run's events, newest
 * run first. Every read is bounded by one deadline for the whole walk, however many runs it takes.
 */

/** One event of a run's history. */
export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** `HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT` (fixed by Temporal's API): a run's history read as its close event alone. */
const CLOSE_EVENT_ONLY = 2 as temporal.api.enums.v1.HistoryEventFilterType;

/** Thrown when a walk's deadline passes before it is done: the caller cannot tell what the rest of the chain holds. */
class ChainDeadlineError extends Error {
  override readonly name = 'ChainDeadlineError';
  constructor() {
    super('the deadline passed before the execution chain was read through');
  }
}

/** Milliseconds left until `deadline` (epoch ms). @throws {@link ChainDeadlineError} when none are. */
function timeLeft(deadline: number): number {
  const left = deadline - Date.now();
  if (left <= 0) throw new ChainDeadlineError();
  return left;
}

/**
 * The run id of the last run of `target`'s chain, as far as it stands at `head`: the head's run
 * while the chain is the latest with its workflow id; for a `replaced` chain, found by following
 * continue-as-new from the chain's first run, reading only each run's close event (one small call
 * per run: no one else knows where a replaced chain ended). Undefined when there is none to read
 * (`missing`, or a replaced chain of a token that names no chain).
 */
export async function lastRunOf(client: Client, target: CallbackTarget, head: ChainHead, deadline: number): Promise<string | undefined> {
  if (head.kind === 'running' || head.kind === 'closed') return head.runId;
  if (head.kind === 'missing' || !target.executionChain) return undefined;
  for (let runId = target.executionChain; ; ) {
    const response = await withinDeadline(client, timeLeft(deadline), () =>
      client.workflowService.getWorkflowExecutionHistory({
        namespace: client.options.namespace,
        execution: { workflowId: target.workflowId, runId },
        historyEventFilterType: CLOSE_EVENT_ONLY,
      }),
    );
    const next = response.history?.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) return runId;
    runId = next;
  }
}

/**
 * Each run's history in `target`'s chain, newest first: from `lastRunId` back along
 * continue-as-new (each run's start event names the run before it) to the chain's first run, with
 * no cap on how many runs. A run that cannot be read (its history deleted, Temporal unreachable)
 * or a deadline that passes ends the walk with an error: what older runs hold stays unknown.
 */
export async function* historiesNewestFirst(client: Client, target: CallbackTarget, lastRunId: string, deadline: number): AsyncGenerator<HistoryEvent[]> {
  for (let runId: string | undefined = lastRunId; runId; ) {
    const handle = client.workflow.getHandle(target.workflowId, runId);
    const history = await withinDeadline(client, timeLeft(deadline), () => handle.fetchHistory());
    const events: HistoryEvent[] = history.events ?? [];
    yield events;
    if (runId === target.executionChain) return;
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
}
