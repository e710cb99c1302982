import { NativeConnection, Worker } from '@temporalio/worker';
import { z } from 'zod';
// In your own project: import { durableCallbacksFromEnv } from 'durable-callbacks';
import { durableCallbacksFromEnv } from '../../worker';
import { runExampleWorker } from '../run-example-worker';
import { createTicketingActivities } from './activities';

/** The task queue the example's workflow runs on, apart from the library's own worker. */
export const TICKET_TRIAGE_TASK_QUEUE = 'ticket-triage';

const exampleEnv = z.object({
  TICKETING_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:8090'),
});

/** The example's one setting: where its ticketing system listens (`TICKETING_URL`, default http://localhost:8090). */
export function ticketingUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const parsed = exampleEnv.safeParse(env);
  if (!parsed.success) throw new Error(`TICKETING_URL must be an http(s) URL, e.g. http://localhost:8090; got ${JSON.stringify(env.TICKETING_URL)}.`);
  return parsed.data.TICKETING_URL;
}

/**
 * A worker for the ticket triage example, built as any Temporal team would build theirs: its own
 * workflows and activities, and one plugin line that adds callback URLs (configured from the same
 * environment as the gateway).
 */
export function createTicketTriageWorker(options: { connection: NativeConnection; namespace: string; ticketingUrl: string }): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: TICKET_TRIAGE_TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    activities: createTicketingActivities(options.ticketingUrl),
    plugins: [durableCallbacksFromEnv()],
  });
}

if (require.main === module) runExampleWorker('ticket triage', TICKET_TRIAGE_TASK_QUEUE, ({ connection, namespace }) => createTicketTriageWorker({ connection, namespace, ticketingUrl: ticketingUrlFromEnv() }));
