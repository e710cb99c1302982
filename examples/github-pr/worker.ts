import { NativeConnection, Worker } from '@temporalio/worker';
// In your own project: import { durableCallbacksFromEnv } from 'durable-callbacks';
import { durableCallbacksFromEnv } from '../../worker';
import { runExampleWorker } from '../run-example-worker';

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

if (require.main === module) runExampleWorker('github pull request', GITHUB_PR_TASK_QUEUE, ({ connection, namespace }) => createGitHubPrWorker({ connection, namespace }));
