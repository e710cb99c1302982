import { NativeConnection, Worker } from '@temporalio/worker';
// In your own project: import { durableCallbacksFromEnv } from 'durable-callbacks';
import { durableCallbacksFromEnv } from '../../worker';
import { runExampleWorker } from '../run-example-worker';
import { createSlackApprovalActivities, SLACK_API_URL } from './activities';

/** The task queue the example's workflow runs on, apart from the library's own worker. */
export const SLACK_APPROVAL_TASK_QUEUE = 'slack-approval';

/**
 * A worker for the Slack approval example: its workflow (and the `webhookMailbox` it exports),
 * its activity, and the plugin, which registers the activities of webhook waits.
 */
export function createSlackApprovalWorker(options: { connection: NativeConnection; namespace: string; slackApiUrl: string; slackToken: string }): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: SLACK_APPROVAL_TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    activities: createSlackApprovalActivities({ apiUrl: options.slackApiUrl, token: options.slackToken }),
    plugins: [durableCallbacksFromEnv()],
  });
}

if (require.main === module) {
  runExampleWorker('slack approval', SLACK_APPROVAL_TASK_QUEUE, async ({ connection, namespace }) => {
    const token = process.env.SLACK_BOT_TOKEN;
    if (!token) throw new Error('Set SLACK_BOT_TOKEN to your Slack app\'s bot token (xoxb-…); `npm run demo -- slack` runs the example without Slack.');
    return createSlackApprovalWorker({ connection, namespace, slackApiUrl: process.env.SLACK_API_URL ?? SLACK_API_URL, slackToken: token });
  });
}
