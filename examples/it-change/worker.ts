import { NativeConnection, Worker } from '@temporalio/worker';
// In your own project: import { durableCallbacks, loadMintingConfig, pluginOptionsFrom } from 'durable-callbacks';
import { durableCallbacks, loadMintingConfig, pluginOptionsFrom } from '../../worker';
import { runExampleWorker } from '../run-example-worker';
import { createChangeActivities } from './activities';

/** The task queue the production change example runs on, apart from the library's own worker. */
export const IT_CHANGE_TASK_QUEUE = 'it-change';

/** Where the example's Slack card goes: Slack's Web API (or a stand-in) and the bot token. */
export interface SlackApi {
  apiUrl: string;
  token: string;
}

/**
 * A worker for the production change example: its workflow and activity, and the plugin, which
 * mints approval URLs, signs approval receipts and notifies (configured from the same environment
 * as the gateway: the signing key, the receipt key, and `SLACK_BOT_TOKEN` / `SLACK_API_URL` for
 * the Slack card, `SMTP_URL` / `MAIL_FROM` for mail). `slack` and `mail` override the environment's
 * settings (the demo's stand-in Slack and its own mail server).
 */
export function createItChangeWorker(options: { connection: NativeConnection; namespace: string; log?: (line: string) => void; slack?: SlackApi; mail?: { smtpUrl: string; from: string } }): Promise<Worker> {
  const plugin = pluginOptionsFrom(loadMintingConfig());
  const notifications = { webhookSecrets: new Map<string, Uint8Array>(), ...plugin.notifications, ...(options.slack ? { slack: options.slack } : {}), ...(options.mail ? { mail: options.mail } : {}) };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: IT_CHANGE_TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    activities: createChangeActivities(options.log ? { log: options.log } : {}),
    plugins: [durableCallbacks({ ...plugin, notifications })],
  });
}

if (require.main === module) {
  runExampleWorker('production change', IT_CHANGE_TASK_QUEUE, ({ connection, namespace }) => createItChangeWorker({ connection, namespace }));
}
