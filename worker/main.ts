import { NativeConnection } from '@temporalio/worker';
import { createTicketingActivities, loadCallbackActivities } from '../activities';
import { loadWorkerConfig } from '../lib/config';
import { runMain } from '../lib/run-main';
import { createCallbackWorker } from './create-worker';

/**
 * `npm run worker`: connects to Temporal and runs the bundled workflows and activities until
 * SIGINT/SIGTERM, when the SDK drains in-flight tasks before exiting.
 */
async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    const worker = await createCallbackWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities: { ...(await loadCallbackActivities(config)), ...createTicketingActivities(config.ticketingUrl) },
    });
    console.log(`worker running: task queue '${config.temporal.taskQueue}' on ${config.temporal.address} (namespace ${config.temporal.namespace})`);
    await worker.run();
  } finally {
    await connection.close();
  }
}

runMain(main);
