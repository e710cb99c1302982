import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { webhookMailboxId } from '../lib/webhook-mailbox-id';
import { DEFAULT_WEBHOOK_HOLD_MS, WEBHOOK_MAILBOX_WORKFLOW, webhookSubscribeSignal, webhookUnsubscribeSignal } from '../workflows/protocol';
import type { SubscribeWebhookInput, UnsubscribeWebhookInput, WebhookActivities, WebhookMailboxInput } from '../workflows/types';

/** How the `subscribeWebhook` activity starts a mailbox that does not run yet. */
export interface WebhookActivityOptions {
  /** How long a mailbox it starts holds events, ms; give the gateway the same. Default 24 hours. */
  holdMs?: number;
}

/**
 * Builds the `subscribeWebhook` activity that `createWebhookWait` calls: it signals-with-start
 * the mailbox of the wait's (source, key) on the worker's own task queue, in the worker's
 * namespace, with the worker's client. The waiter's workflow id comes from the activity's
 * context, never from its input. Signal-with-start either starts the mailbox or signals the
 * running one, so it does not matter whether the event or the wait comes first; a retry sends
 * the same subscription again, which the mailbox keeps once.
 */
export function createWebhookActivities(options: WebhookActivityOptions = {}): WebhookActivities {
  const holdMs = options.holdMs ?? DEFAULT_WEBHOOK_HOLD_MS;
  return {
    async subscribeWebhook(input: SubscribeWebhookInput): Promise<void> {
      const { info, client } = scheduledByWorkflow('subscribeWebhook');
      const { source, key, event, callbackId, mode, expiresAt } = input;
      const mailbox: WebhookMailboxInput = { source, key, holdMs };
      await client.workflow.signalWithStart(WEBHOOK_MAILBOX_WORKFLOW, {
        workflowId: webhookMailboxId(source, key),
        taskQueue: info.taskQueue,
        args: [mailbox],
        signal: webhookSubscribeSignal,
        signalArgs: [{ source, key, ...(event === undefined ? {} : { event }), workflowId: info.workflowExecution!.workflowId, callbackId, mode, expiresAt }],
      });
    },

    async unsubscribeWebhook(input: UnsubscribeWebhookInput): Promise<void> {
      const { info, client } = scheduledByWorkflow('unsubscribeWebhook');
      const { source, key, callbackId } = input;
      try {
        await client.workflow.getHandle(webhookMailboxId(source, key)).signal(webhookUnsubscribeSignal, { source, key, workflowId: info.workflowExecution!.workflowId, callbackId });
      } catch (err) {
        // A mailbox that completed has no subscription left to drop.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },
  };
}

/** The activity's context, refusing (non-retryable) an activity started outside a workflow: the mailbox only talks to workflows. */
function scheduledByWorkflow(name: string): ReturnType<typeof Context.current> {
  const context = Context.current();
  if (!context.info.workflowExecution) {
    throw ApplicationFailure.create({
      type: 'CALLBACK_OUTSIDE_WORKFLOW',
      message: `${name} must be scheduled by a workflow: the mailbox signals the workflow that subscribed.`,
      nonRetryable: true,
    });
  }
  return context;
}
