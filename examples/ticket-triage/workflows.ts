import { proxyActivities } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
// In your own project: import { createCallback, markWaitingForCallbacks, type CallbackDelivery } from 'durable-callbacks/workflows';
import { createCallback, markWaitingForCallbacks, type CallbackDelivery } from '../../workflows';
import type { TicketingActivities } from './activities';

/** A support request to triage. */
export interface TicketTriageInput {
  title: string;
  description: string;
  requester: string;
  /** How long to wait for the ticketing system to assign the ticket. Default `'3 days'`. */
  timeout?: Duration;
  /** Mark the workflow with the `DurableCallbacksWaiting` search attribute while it waits (it must be registered). */
  markWaiting?: boolean;
}

/** The assignment the ticketing system reports through the callback URL. */
export interface TicketAssignment {
  assignee: string;
  sla: string;
}

/** What {@link ticketTriage} returns: the ticket with its assignment, or why there is none. */
export type TicketTriageResult =
  | ({ status: 'triaged'; ticketId: string; updates: number } & TicketAssignment)
  | { status: 'failed'; ticketId: string; error: string }
  | { status: 'timed_out'; ticketId: string };

const { createTicket } = proxyActivities<TicketingActivities>({
  startToCloseTimeout: '30s',
  retry: { maximumInterval: '1m' },
});

/** Everything the ticketing system reported so far, later updates overriding earlier ones. */
function merged(deliveries: readonly CallbackDelivery[]): Partial<TicketAssignment> {
  const fields: Record<string, unknown> = {};
  for (const { data } of deliveries) if (typeof data === 'object' && data !== null) Object.assign(fields, data);
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);
  return { assignee: text(fields.assignee), sla: text(fields.sla) };
}

function isComplete(assignment: Partial<TicketAssignment>): assignment is TicketAssignment {
  return assignment.assignee !== undefined && assignment.sla !== undefined;
}

/**
 * The example from the product page: create a ticket in an external ticketing system with a
 * callback URL, pause until the system has reported both the assignee and the SLA (in one
 * update or several), and return the ticket with them.
 */
export async function ticketTriage(input: TicketTriageInput): Promise<TicketTriageResult> {
  if (input.markWaiting) markWaitingForCallbacks();
  const callback = await createCallback({ timeout: input.timeout ?? '3 days', mode: 'stream' });
  const ticket = await createTicket({
    title: input.title,
    description: input.description,
    requester: input.requester,
    callbackUrl: callback.url,
  });
  const result = await callback.wait({ until: (deliveries) => isComplete(merged(deliveries)) });
  switch (result.status) {
    case 'received': {
      const assignment = merged(result.deliveries) as TicketAssignment;
      return { status: 'triaged', ticketId: ticket.id, ...assignment, updates: result.deliveries.length };
    }
    case 'failed':
      return { status: 'failed', ticketId: ticket.id, error: result.error.message };
    default:
      return { status: 'timed_out', ticketId: ticket.id };
  }
}
