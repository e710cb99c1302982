import type { WorkerPlugin } from '@temporalio/worker';
import { loadWorkerConfig } from './config';
import { runMain } from '../config/run-main';
import { connectWorker } from './connect-worker';
import { createCallbackWorker } from './create-worker';
import { pluginOptionsFrom } from './plugin';

/**
 * `durable-callbacks worker`: runs the ready-made `awaitCallback` workflow with
 * URL minting until SIGINT/SIGTERM, when the SDK drains in-flight tasks before exiting. Your own
 * workflows run on your own worker with the `durableCallbacks` plugin instead.
 * @param options.workflowsPath other workflows to run instead (the fault drills' own).
 * @param options.plugins more worker plugins, after the package's (the agent drill's `AiSdkPlugin`).
 * @param options.activities more activities (the agent drill's tools).
 */
export async function runWorker(options: { workflowsPath?: string; plugins?: WorkerPlugin[]; activities?: object } = {}): Promise<void> {
  const config = loadWorkerConfig();
  const connection = await connectWorker(config.temporal);
  try {
    const worker = await createCallbackWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      callbacks: pluginOptionsFrom(config),
      maxCachedWorkflows: config.maxCachedWorkflows,
      ...(options.workflowsPath ? { workflowsPath: options.workflowsPath } : {}),
      ...(options.plugins ? { plugins: options.plugins } : {}),
      ...(options.activities ? { activities: options.activities } : {}),
    });
    console.log(
      `worker running: task queue '${config.temporal.taskQueue}' on ${config.temporal.connection.address} (namespace ${config.temporal.namespace})`,
    );
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) runMain(runWorker);
