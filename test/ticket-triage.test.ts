import { startTicketingSystem, type TicketingSystem } from '../examples/ticket-triage/ticketing-system';
import type { TicketTriageResult } from '../examples/ticket-triage/workflows';
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
    expect(result).toMatchObject({ updates: 1 });
  });

  test('waits for both fields when the system reports the assignee and the SLA in separate callbacks', async () => {
    const separate = await startTicketingSystem({ port: 0, assignAfterMs: 300, updates: 'separately' });
    const harness = await startHarness({ ticketingUrl: separate.url });
    try {
      const handle = await harness.start('ticketTriage', [{ title: 'Laptop stolen', description: 'Revoke sessions', requester: 'eve@example.com', timeout: '2m' }]);
      const result = (await handle.result()) as TicketTriageResult;
      const ticket = separate.tickets.get(result.ticketId)!;
      expect(result).toMatchObject({ status: 'triaged', assignee: ticket.assignee, sla: ticket.sla, updates: 2 });
      expect(ticket.callback).toMatchObject({ delivered: true, attempts: 2 });
    } finally {
      await harness.close();
      await separate.close();
    }
  });
});
