import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { TicketingActivities } from '../activities/ticketing';
import { createCallback } from './create-callback';

/** A support request to triage. */
export interface TicketTriageInput {
  title: string;
  description: string;
  requester: string;
  /** How long to wait for the ticketing system to assign the ticket. Default `'3 days'`. */
  timeout?: Duration;
}

/** The assignment the ticketing system reports through the callback URL. */
export interface TicketAssignment {
  assignee: string;
  sla: string;
}

/** What {@link ticketTriage} returns: the ticket with its assignment, or that none came in time. */
export type TicketTriageResult =
  | ({ status: 'triaged'; ticketId: string; receivedAt: string } & TicketAssignment)
  | { status: 'timed_out'; ticketId: string };

const { createTicket } = proxyActivities<TicketingActivities>({
  startToCloseTimeout: '30s',
  retry: { maximumInterval: '1m' },
});

function isAssignment(data: unknown): data is TicketAssignment {
  if (typeof data !== 'object' || data === null) return false;
  const { assignee, sla } = data as Record<string, unknown>;
  return typeof assignee === 'string' && assignee.length > 0 && typeof sla === 'string' && sla.length > 0;
}

/**
 * The example from the product page: create a ticket in an external ticketing system with a
 * callback URL, pause until the system calls back with the assignee and the SLA, and return
 * the ticket with them.
 */
export async function ticketTriage(input: TicketTriageInput): Promise<TicketTriageResult> {
  const timeout = input.timeout ?? '3 days';
  const callback = await createCallback({ expiresIn: timeout });
  const ticket = await createTicket({
    title: input.title,
    description: input.description,
    requester: input.requester,
    callbackUrl: callback.url,
  });
  const result = await callback.wait({ timeout });
  if (result.status === 'timed_out') return { status: 'timed_out', ticketId: ticket.id };
  if (!isAssignment(result.data)) {
    throw ApplicationFailure.create({
      type: 'INVALID_TICKET_UPDATE',
      message: 'The ticketing system called back without an assignee and an SLA.',
      nonRetryable: true,
      details: [result.data],
    });
  }
  return {
    status: 'triaged',
    ticketId: ticket.id,
    assignee: result.data.assignee,
    sla: result.data.sla,
    receivedAt: result.receivedAt,
  };
}
