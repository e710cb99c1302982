import { connectDemo, DemoError, print, printStarted, resultOf, runDemo, runWorkerUntilCleanup, type DemoRun } from '../demo-support';
import { startTicketingSystem, type TicketingSystem } from './ticketing-system';
import { createTicketTriageWorker, ticketingUrlFromEnv, TICKET_TRIAGE_TASK_QUEUE } from './worker';
import type { TicketTriageInput, TicketTriageResult, ticketTriage } from './workflows';

/**
 * `npm run demo`: runs the `ticketTriage` example end to end against the Temporal server and the
 * gateway that `npm start` runs. The demo runs the example's own worker (its workflow, its
 * activity, the durable-callbacks plugin) and plays the external ticketing system: the workflow
 * opens a ticket in it with a callback URL, waits durably, and resumes when the "ticketing
 * system" assigns the ticket and calls that URL back through the gateway.
 */

/** How long after a ticket is opened the stand-in ticketing system assigns it and calls back. */
const ASSIGN_AFTER_MS = 2_000;

const TICKET: TicketTriageInput = {
  title: 'VPN down for the Berlin office',
  description: 'Since 09:00 nobody in the Berlin office can connect to the VPN; the client hangs at "authenticating".',
  requester: 'dana@customer.example',
  timeout: '5 minutes',
};

/** The port a URL points at, its scheme's default when it names none. */
function portOf(url: string): number {
  const parsed = new URL(url);
  return parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
}

async function startTicketing(port: number): Promise<TicketingSystem> {
  try {
    return await startTicketingSystem({ port, assignAfterMs: ASSIGN_AFTER_MS, updates: 'separately', log: (line) => print(`ticketing system: ${line}`) });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new DemoError(
        `Port ${port} is ${code === 'EADDRINUSE' ? 'in use' : 'not available to this user'}, so the demo cannot run its stand-in ticketing system there ` +
          '(the example sends tickets to TICKETING_URL, by default http://localhost:8090). Is another `npm run demo` still running? ' +
          'Free the port, or set TICKETING_URL to a free port.',
      );
    }
    throw err;
  }
}

async function ticketTriageDemo(run: DemoRun): Promise<number> {
  const context = await connectDemo(run);
  const ticketingUrl = ticketingUrlFromEnv();
  const ticketing = await startTicketing(portOf(ticketingUrl));
  run.cleanups.push(() => ticketing.close());
  print(`stand-in ticketing system listening on ${ticketing.url} (it assigns tickets ${ASSIGN_AFTER_MS / 1000} s after they are opened)`);

  print(`starting the example's worker on task queue '${TICKET_TRIAGE_TASK_QUEUE}' (bundling its workflow takes a few seconds)`);
  const worker = await createTicketTriageWorker({ connection: context.workerConnection, namespace: context.temporal.namespace, ticketingUrl });
  runWorkerUntilCleanup(run, worker);

  const workflowId = `ticket-triage-demo-${Date.now()}`;
  const handle = await context.client.workflow.start<typeof ticketTriage>('ticketTriage', { taskQueue: TICKET_TRIAGE_TASK_QUEUE, workflowId, args: [TICKET] });
  run.workflowId = workflowId;
  printStarted(context, 'ticketTriage', workflowId, TICKET_TRIAGE_TASK_QUEUE);
  print(`the workflow mints a callback URL, opens the ticket "${TICKET.title}" with it, and waits for the callback (up to ${String(TICKET.timeout)})`);

  const result = await resultOf<TicketTriageResult>(handle);
  if (result.status !== 'triaged') {
    print(`workflow completed without an assignment (${result.status}): ${JSON.stringify(result)}`);
    return 1;
  }
  print('workflow completed: the ticket is triaged');
  console.log(`    ticket:    ${result.ticketId}`);
  console.log(`    assignee:  ${result.assignee}`);
  console.log(`    SLA:       ${result.sla}`);
  const ticket = ticketing.tickets.get(result.ticketId);
  if (ticket) console.log(`    the ticketing system made ${ticket.callback.attempts} callback request(s); the last was answered ${ticket.callback.lastStatus}`);
  return 0;
}

runDemo(ticketTriageDemo);
