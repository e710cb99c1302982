import { NativeConnection, Worker } from '@temporalio/worker';
// In your own project: import { durableCallbacksFromEnv } from 'durable-callbacks';
import { durableCallbacksFromEnv } from '../../worker';
import { runExampleWorker } from '../run-example-worker';
import { createChangeActivities } from './activities';

/** The task queue the production change example runs on, apart from the library's own worker. */
export const IT_CHANGE_TASK_QUEUE = 'it-change';

/**
 * A worker for the production change example: its workflow and activity, and the plugin, which
 * mints approval URLs and signs approval receipts (configured from the same environment as the
 * gateway: the signing key and the receipt key).
 */
export function createItChangeWorker(options: { connection: NativeConnection; namespace: string; log?: (line: string) => void }): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: IT_CHANGE_TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    activities: createChangeActivities(options.log),
    plugins: [durableCallbacksFromEnv()],
  });
}

if (require.main === module) runExampleWorker('production change', IT_CHANGE_TASK_QUEUE, ({ connection, namespace }) => createItChangeWorker({ connection, namespace }));
