import type { NativeConnection, Worker } from '@temporalio/worker';
// In your own project: import { connectWorker, loadWorkerConfig } from 'durable-callbacks';
import { connectWorker, loadWorkerConfig } from '../worker';
import { runMain } from '../config/run-main';

/**
 * What each example's `worker.ts` does when run on its own: reads the worker settings from the
 * environment (as `durable-callbacks worker` does), connects, builds the example's worker with
 * `create`, says so, and runs it until it is stopped; the connection is closed however it ends.
 */
export function runExampleWorker(what: string, taskQueue: string, create: (options: { connection: NativeConnection; namespace: string }) => Promise<Worker>): void {
  runMain(async () => {
    const { temporal } = loadWorkerConfig();
    const connection = await connectWorker(temporal);
    try {
      const worker = await create({ connection, namespace: temporal.namespace });
      console.log(`${what} worker running: task queue '${taskQueue}'`);
      await worker.run();
    } finally {
      await connection.close();
    }
  });
}
