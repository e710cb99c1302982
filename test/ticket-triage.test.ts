import { startTicketingSystem, type TicketingSystem } from '../examples/ticketing-system/ticketing-system';
import type { TicketTriageResult } from '../workflows/ticket-triage';
import { startHarness, type Harness } from './support/harness';

let ticketing: TicketingSystem;
let h: Harness;
beforeAll(async () => {
  ticketing = await startTicketingSystem({ port: 0, assignAfterMs: 300 });
  h = await startHarness({ ticketingUrl: ticketing.url });
});
afterAll(async () => {
  await h?.close();
  await ticketing?.close();
});

describe('the ticket triage example', () => {
  test('opens a ticket with a callback URL and returns it with the assignee and SLA the system called back with', async () => {
    const handle = await h.start('ticketTriage', [{ title: 'VPN down', description: 'Berlin office', requester: 'dana@example.com', timeout: '2m' }]);
    const result = (await handle.result()) as TicketTriageResult;
    expect(result.status).toBe('triaged');
    const ticket = ticketing.tickets.get(result.ticketId);
    expect(ticket).toBeDefined();
    expect(result).toMatchObject({ assignee: ticket!.assignee, sla: ticket!.sla });
    expect(ticket!.callback).toMatchObject({ delivered: true, lastStatus: 202, attempts: 1 });
  });
});
