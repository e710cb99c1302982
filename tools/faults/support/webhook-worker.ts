import { runMain } from '../../../config/run-main';
import { runWorker } from '../../../worker/main';

/**
 * The webhook drill's worker: `worker/main.ts` with `faults/support/webhook-workflows.ts` (a waiter
 * on `waitForWebhook`, and `webhookMailbox`) instead of the ready-made workflows, configured by
 * the same environment. The gateway starts mailboxes on its `TEMPORAL_TASK_QUEUE` and each
 * subscription on the waiter's own, so this worker serves both on that one queue.
 */
runMain(() => runWorker({ workflowsPath: require.resolve('./webhook-workflows') }));
