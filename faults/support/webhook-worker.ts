import { loadWorkerConfig } from '../../lib/config';
import { runMain } from '../../lib/run-main';
import { connectWorker } from '../../worker/connect-worker';
import { createCallbackWorker } from '../../worker/create-worker';
import { pluginOptionsFrom } from '../../worker/plugin';

/**
 * The webhook drill's worker: `worker/main.ts` with `faults/support/webhook-workflows.ts` (a waiter
 * on `waitForWebhook`, and `webhookMailbox`) instead of the ready-made workflows, configured by
 * the same environment. The gateway starts mailboxes on its `TEMPORAL_TASK_QUEUE` and each
 * subscription on the waiter's own, so this worker serves both on that one queue.
 */
async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const connection = await connectWorker(config.temporal);
  try {
    const worker = await createCallbackWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      callbacks: pluginOptionsFrom(config),
      workflowsPath: require.resolve('./webhook-workflows'),
    });
    console.log(`worker running (webhook waiters): task queue '${config.temporal.taskQueue}' on ${config.temporal.connection.address}`);
    await worker.run();
  } finally {
    await connection.close();
  }
}

runMain(main);
