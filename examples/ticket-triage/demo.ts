import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadDevServerConfig, loadGatewayConfig, loadTemporalConfig } from '../../lib/config';
import { runMain } from '../../lib/run-main';
import { temporalDataConverter } from '../../lib/temporal-client';
import { connectWorker } from '../../worker';
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
/** After this long without a result, the demo says what to check. */
const SLOW_NOTICE_MS = 30_000;

const TICKET: TicketTriageInput = {
  title: 'VPN down for the Berlin office',
  description: 'Since 09:00 nobody in the Berlin office can connect to the VPN; the client hangs at "authenticating".',
  requester: 'dana@customer.example',
  timeout: '5 minutes',
};

const NOT_RUNNING = 'The service is not running: start it with `npm start` in another terminal, then run `npm run demo` again.';

/** Prints one step of the demo, stamped with the wall-clock time. */
function print(message: string): void {
  console.log(`[${new Date().toLocaleTimeString('en-GB', { hour12: false })}] ${message}`);
}

/** The address to reach a locally listening server on, given the host it binds to. */
function localBaseUrl(host: string, port: number): string {
  const local = ['127.0.0.1', '0.0.0.0', '::', 'localhost'].includes(host);
  return `http://${local ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${port}`;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

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

/** A failure the demo explains itself: printed as its message alone, exit code 1. */
class DemoError extends Error {}

async function runDemo(cleanups: Array<() => Promise<void>>, started: { workflowId?: string }): Promise<number> {
  const gateway = loadGatewayConfig();
  const temporal = loadTemporalConfig();
  const { uiPort } = loadDevServerConfig();

  const gatewayUrl = localBaseUrl(gateway.host, gateway.port);
  print(`checking the callback gateway at ${gatewayUrl}`);
  if (!(await answers(`${gatewayUrl}/healthz`))) throw new DemoError(NOT_RUNNING);

  const ticketingUrl = ticketingUrlFromEnv();
  const ticketingPort = portOf(ticketingUrl);
  const ticketing = await startTicketing(ticketingPort);
  cleanups.push(() => ticketing.close());
  print(`stand-in ticketing system listening on ${ticketing.url} (it assigns tickets ${ASSIGN_AFTER_MS / 1000} s after they are opened)`);

  let connection: Connection;
  try {
    connection = await Connection.connect(temporal.connection);
  } catch (err) {
    throw new DemoError(`Could not connect to Temporal at ${temporal.connection.address} (${err instanceof Error ? err.message : String(err)}).\n${NOT_RUNNING}`);
  }
  cleanups.push(() => connection.close());

  // The example's own worker, in this process: the library's worker (npm start) knows nothing of it.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const workerConnection = await connectWorker(temporal);
  cleanups.push(() => workerConnection.close());
  print(`starting the example's worker on task queue '${TICKET_TRIAGE_TASK_QUEUE}' (bundling its workflow takes a few seconds)`);
  const worker = await createTicketTriageWorker({ connection: workerConnection, namespace: temporal.namespace, ticketingUrl });
  const workerRun = worker.run();
  cleanups.push(async () => {
    worker.shutdown();
    await workerRun;
  });
  const dataConverter = await temporalDataConverter(temporal);
  const client = new Client({ connection, namespace: temporal.namespace, ...(dataConverter ? { dataConverter } : {}) });

  const workflowId = `ticket-triage-demo-${Date.now()}`;
  const handle = await client.workflow.start<typeof ticketTriage>('ticketTriage', {
    taskQueue: TICKET_TRIAGE_TASK_QUEUE,
    workflowId,
    args: [TICKET],
  });
  started.workflowId = workflowId;
  print(`workflow started: ticketTriage, id ${workflowId}, task queue '${TICKET_TRIAGE_TASK_QUEUE}'`);
  print(`follow it in the Temporal UI: http://localhost:${uiPort}/namespaces/${encodeURIComponent(temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`);
  print(`the workflow mints a callback URL, opens the ticket "${TICKET.title}" with it, and waits for the callback (up to ${String(TICKET.timeout)})`);

  const slow = setTimeout(() => {
    print('still waiting: is the gateway still running (`npm start`)? The Temporal UI link above shows where the workflow is.');
  }, SLOW_NOTICE_MS);
  let result: TicketTriageResult;
  try {
    result = await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    throw new DemoError(`The workflow failed: ${err.cause?.message ?? err.message}`);
  } finally {
    clearTimeout(slow);
  }

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

async function main(): Promise<void> {
  const cleanups: Array<() => Promise<void>> = [];
  const started: { workflowId?: string } = {};
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  process.once('SIGINT', () => {
    print(
      started.workflowId
        ? `interrupted; workflow ${started.workflowId} keeps waiting durably in Temporal until it gets its callback or times out`
        : 'interrupted',
    );
    void cleanUp().finally(() => process.exit(130));
  });

  let code: number;
  try {
    code = await runDemo(cleanups, started);
  } catch (err) {
    if (!(err instanceof DemoError)) throw err;
    console.error(err.message);
    code = 1;
  } finally {
    await cleanUp();
  }
  if (code === 0) print('demo finished');
  process.exitCode = code;
}

runMain(main);
