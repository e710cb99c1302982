import { NativeConnection, Worker } from '@temporalio/worker';
// In your own project: import { durableCallbacksFromEnv } from 'durable-callbacks';
import { durableCallbacksFromEnv } from '../../worker';
import { runExampleWorker } from '../run-example-worker';
import { createChangeActivities, type SlackApi } from './activities';

/** The task queue the production change example runs on, apart from the library's own worker. */
export const IT_CHANGE_TASK_QUEUE = 'it-change';

/**
 * A worker for the production change example: its workflow and activity, and the plugin, which
 * mints approval URLs and signs approval receipts (configured from the same environment as the
 * gateway: the signing key and the receipt key).
 */
export function createItChangeWorker(options: { connection: NativeConnection; namespace: string; log?: (line: string) => void; slack?: SlackApi }): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: IT_CHANGE_TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    activities: createChangeActivities({ ...(options.log ? { log: options.log } : {}), ...(options.slack ? { slack: options.slack } : {}) }),
    plugins: [durableCallbacksFromEnv()],
  });
}

/** Slack's Web API with the bot token in `SLACK_BOT_TOKEN` (and `SLACK_API_URL`, for a stand-in), when one is set. */
function slackFromEnv(env: NodeJS.ProcessEnv = process.env): SlackApi | undefined {
  return env.SLACK_BOT_TOKEN ? { apiUrl: env.SLACK_API_URL ?? 'https://slack.com/api', token: env.SLACK_BOT_TOKEN } : undefined;
}

if (require.main === module) {
  runExampleWorker('production change', IT_CHANGE_TASK_QUEUE, ({ connection, namespace }) => {
    const slack = slackFromEnv();
    return createItChangeWorker({ connection, namespace, ...(slack ? { slack } : {}) });
  });
}
