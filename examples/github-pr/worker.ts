import { NativeConnection, Worker } from '@temporalio/worker';
// In your own project: import { connectWorker, durableCallbacksFromEnv, loadWorkerConfig } from 'durable-callbacks';
import { connectWorker, durableCallbacksFromEnv, loadWorkerConfig } from '../../worker';
import { runMain } from '../../config/run-main';

/** The task queue the example's workflow runs on, apart from the library's own worker. */
export const GITHUB_PR_TASK_QUEUE = 'github-pr';

/** A worker for the pull request example: its workflow, the `webhookMailbox` it exports, and the plugin. No activities of its own. */
export function createGitHubPrWorker(options: { connection: NativeConnection; namespace: string }): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: GITHUB_PR_TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    plugins: [durableCallbacksFromEnv()],
  });
}

async function main(): Promise<void> {
  const { temporal } = loadWorkerConfig();
  const connection = await connectWorker(temporal);
  try {
    const worker = await createGitHubPrWorker({ connection, namespace: temporal.namespace });
    console.log(`github pull request worker running: task queue '${GITHUB_PR_TASK_QUEUE}'`);
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) runMain(main);
