import { ApplicationFailure, Context } from '@temporalio/activity';

/** A ticket to open in the external ticketing system. */
export interface CreateTicketInput {
  title: string;
  description: string;
  requester: string;
  /** Where the ticketing system reports the assignment. */
  callbackUrl: string;
}

/** The ticket as the ticketing system created it. */
export interface CreatedTicket {
  id: string;
}

/** Activities of the `ticketTriage` example. */
export interface TicketingActivities {
  createTicket(input: CreateTicketInput): Promise<CreatedTicket>;
}

/**
 * Builds the `ticketTriage` example's activities against a ticketing system's HTTP API at
 * `ticketingUrl` (the stand-in in `ticketing-system.ts` beside this file speaks it).
 */
export function createTicketingActivities(ticketingUrl: string): TicketingActivities {
  return {
    async createTicket(input) {
      const { workflowExecution, activityId } = Context.current().info;
      const response = await fetch(new URL('/tickets', ticketingUrl), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          // A retried attempt must not open a second ticket.
          'idempotency-key': `${workflowExecution?.workflowId ?? 'standalone'}/${activityId}`,
        },
        body: JSON.stringify(input),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      if (!response.ok) {
        throw ApplicationFailure.create({
          type: 'TICKETING_SYSTEM_ERROR',
          message: `The ticketing system answered ${response.status} to POST /tickets: ${text.slice(0, 200)}`,
          nonRetryable: response.status >= 400 && response.status < 500 && response.status !== 429,
        });
      }
      const body = JSON.parse(text) as Partial<CreatedTicket>;
      if (typeof body.id !== 'string') {
        throw ApplicationFailure.create({ type: 'TICKETING_SYSTEM_ERROR', message: 'The ticketing system created a ticket without an id.', nonRetryable: true });
      }
      return { id: body.id };
    },
  };
}
