import { NativeConnection, Worker } from '@temporalio/worker';
import { AiSdkPlugin } from '@temporalio/ai-sdk';
import type { ProviderV4 } from '@ai-sdk/provider';
// In your own project: import { durableCallbacksFromEnv } from 'durable-callbacks';
import { durableCallbacksFromEnv } from '../../worker';
import { createOpsActivities } from './activities';

/** The task queue the agent example runs on, apart from the library's own worker. */
export const AGENT_TASK_QUEUE = 'agent-approval';

/**
 * A worker for the agent example: its workflow and tools, this package's plugin (approval URLs
 * and receipts, configured from the same environment as the gateway) and the AI SDK's (the model
 * activity, and the polyfills its workflow bundle needs), with `modelProvider` serving the model.
 */
export function createAgentWorker(options: { connection: NativeConnection; namespace: string; modelProvider: ProviderV4; log?: (line: string) => void }): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: AGENT_TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    activities: createOpsActivities(options.log),
    plugins: [durableCallbacksFromEnv(), new AiSdkPlugin({ modelProvider: options.modelProvider })],
  });
}
