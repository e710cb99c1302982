import { createTicketingActivities, loadCallbackActivities } from '../activities';
import { loadWorkerConfig } from '../lib/config';
import { runMain } from '../lib/run-main';
import { connectWorker, temporalDataConverter } from '../lib/temporal-connection';
import { createCallbackWorker } from './create-worker';

/**
 * `npm run worker`: connects to Temporal and runs the bundled workflows and activities until
 * SIGINT/SIGTERM, when the SDK drains in-flight tasks before exiting.
 */
async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const connection = await connectWorker(config.temporal);
  try {
    const worker = await createCallbackWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities: { ...(await loadCallbackActivities(config)), ...createTicketingActivities(config.ticketingUrl) },
      maxCachedWorkflows: config.maxCachedWorkflows,
      dataConverter: await temporalDataConverter(config.temporal),
    });
    console.log(`worker running: task queue '${config.temporal.taskQueue}' on ${config.temporal.address} (namespace ${config.temporal.namespace})`);
    await worker.run();
  } finally {
    await connection.close();
  }
}

runMain(main);
