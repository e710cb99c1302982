import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/**
 * One resume read back from the workflow's history: when each event after the delivery was
 * recorded, on the same wall clock as the sender's stamps (the dev server runs on this machine).
 */

/** A point of a resume's timeline, ms after the sender started sending. */
export interface TracePoint {
  /** The history event type (`WorkflowTaskStarted`, ...), or a driver-side point (`next step ran`). */
  label: string;
  ms: number;
}

/** Where the delivery shows in history, by how it was sent. */
export type DeliveryAnchor = 'signal' | 'update' | 'activity';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** A history event's type in Temporal's own spelling: `WorkflowExecutionSignaled`, `MarkerRecorded`, ... */
export function eventName(event: HistoryEvent): string {
  const name = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? 'Unknown';
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, _sep: string, c: string) => c.toUpperCase());
}

/** When the server recorded `event`, epoch ms. */
export function epochMs(event: HistoryEvent): number {
  const t = event.eventTime!;
  return Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
}

/**
 * The index of the first event of the resume: the signal, the workflow task that carried the
 * update (its `WorkflowTaskScheduled`), or the completion of the activity the workflow waited on.
 */
function anchorIndex(events: HistoryEvent[], anchor: DeliveryAnchor): number {
  const names = events.map(eventName);
  switch (anchor) {
    case 'signal':
      return names.lastIndexOf('WorkflowExecutionSignaled');
    case 'activity':
      return names.indexOf('ActivityTaskCompleted');
    case 'update': {
      const accepted = names.indexOf('WorkflowExecutionUpdateAccepted');
      return accepted === -1 ? -1 : names.lastIndexOf('WorkflowTaskScheduled', accepted);
    }
  }
}

/**
 * The resume's timeline from `handle`'s history: every event from the delivery's to the
 * workflow's completion, in time order. `sentAt` is the sender's wall-clock ms when it began
 * sending.
 */
export async function resumeTimeline(handle: WorkflowHandle, anchor: DeliveryAnchor, sentAt: number): Promise<TracePoint[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const first = anchorIndex(events, anchor);
  if (first === -1) throw new Error(`no ${anchor} delivery in the history of ${handle.workflowId}`);
  return events
    .slice(first)
    .map((event) => ({ label: eventName(event), ms: epochMs(event) - sentAt }))
    .sort((a, b) => a.ms - b.ms);
}
