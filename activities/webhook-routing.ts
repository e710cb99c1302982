import { ApplicationFailure, Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { webhookMailboxId } from '../protocol/webhook-ids';
import {
  deliverCallbackSignal,
  webhookCaughtUpUpdate,
  WEBHOOK_MAILBOX_WORKFLOW,
  webhookEventQuery,
  webhookHoldUpdate,
  webhookMailboxStateQuery,
  webhookSubscribeUpdate,
  webhookUnsubscribeSignal,
} from '../protocol/definitions';
import type { CallbackDelivery } from '../protocol/callback-messages';
import type { HoldWebhookEventInput, RecoverWebhookMailboxInput, SubscribeWebhookInput, UnsubscribeWebhookInput, WebhookActivities, WebhookRoutingActivities } from '../protocol/activity-contracts';
import type { WebhookEvent, WebhookMailboxInput, WebhookMailboxState, WebhookSubscription, WebhookWaiter } from '../protocol/webhook-messages';

/** The longest one Temporal call of these activities waits, ms: less than their shortest start-to-close timeout. */
const CALL_DEADLINE_MS = 10_000;

/** How a run of a mailbox ended when what it held must be carried into the next chain: it did not end by its own choice. */
const ENDED_UNCLEANLY = new Set(['TERMINATED', 'FAILED', 'TIMED_OUT', 'CANCELLED']);

/** The delivery a waiter receives for `event`: its own callback id, the provider's delivery id. */
export function webhookDelivery(subscription: Pick<WebhookWaiter, 'callbackId'>, event: WebhookEvent): CallbackDelivery {
  return {
    callbackId: subscription.callbackId,
    deliveryId: event.deliveryId,
    kind: 'complete',
    method: 'POST',
    contentType: event.contentType,
    data: event.data,
    query: {},
    headers: event.headers,
    receivedAt: event.receivedAt,
    webhook: { source: event.source, event: event.event, key: event.key },
  };
}

/** The update-with-start operation that reaches the mailbox of (`source`, `key`), starting it on `taskQueue` when none runs. */
function mailboxOperation(source: string, key: string, taskQueue: string): WithStartWorkflowOperation<(input: WebhookMailboxInput) => Promise<void>> {
  const input: WebhookMailboxInput = { source, key };
  return new WithStartWorkflowOperation(WEBHOOK_MAILBOX_WORKFLOW, {
    workflowId: webhookMailboxId(source, key),
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/** Tells a mailbox that a waiter is gone, best effort: a mailbox that completed has no subscription left to drop. */
async function leave(client: Client, source: string, key: string, workflowId: string, callbackId: string): Promise<void> {
  try {
    await bounded(client, () => client.workflow.getHandle(webhookMailboxId(source, key)).signal(webhookUnsubscribeSignal, { source, key, workflowId, callbackId }));
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}

/** Signals `event` to a waiting workflow; a waiter that no longer exists is told to its mailbox instead. */
async function deliverTo(client: Client, subscription: WebhookWaiter, event: WebhookEvent): Promise<boolean> {
  try {
    await bounded(client, () => client.workflow.getHandle(subscription.workflowId).signal(deliverCallbackSignal, webhookDelivery(subscription, event)));
    return true;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    await leave(client, event.source, event.key, subscription.workflowId, subscription.callbackId);
    return false;
  }
}

/**
 * Builds the activities of webhook routing: `subscribeWebhook` and `unsubscribeWebhook`, which a
 * webhook wait runs, and `holdWebhookEvent` and `recoverWebhookMailbox`, which the `webhookEvent`
 * and `webhookMailbox` workflows run. Each reaches Temporal with the worker's own client, in the
 * worker's namespace and on the task queue of the workflow that scheduled it; a waiter's workflow
 * id comes from the activity's context, never from its input. The `durableCallbacks` plugin
 * registers them all.
 */
export function createWebhookActivities(): WebhookActivities & WebhookRoutingActivities {
  const activities: WebhookActivities & WebhookRoutingActivities = {
    async subscribeWebhook(input: SubscribeWebhookInput): Promise<void> {
      const { info, client } = scheduledByWorkflow('subscribeWebhook');
      const { source, key, event, callbackId, mode, expiresAt } = input;
      const subscription: WebhookSubscription = { source, key, ...(event === undefined ? {} : { event }), workflowId: info.workflowExecution!.workflowId, callbackId, mode, expiresAt };
      // A retry sends the same subscription again: the mailbox keeps it once, and the waiter applies each delivery id once.
      let held = await bounded(client, () =>
        client.workflow.executeUpdateWithStart(webhookSubscribeUpdate, {
          args: [subscription],
          startWorkflowOperation: mailboxOperation(source, key, info.taskQueue),
        }),
      );
      if (held.length === 0) return;
      // Held events first, in the mailbox's order; then whatever arrived meanwhile, until none did and the subscriber is live.
      const mailbox = client.workflow.getHandle(webhookMailboxId(source, key));
      const waiter = { workflowId: subscription.workflowId, callbackId };
      while (held.length > 0) {
        for (const ref of held) {
          let heldEvent: WebhookEvent;
          try {
            heldEvent = await bounded(client, () => client.workflow.getHandle(ref.workflowId).query(webhookEventQuery));
          } catch (err) {
            // Past its hold and its namespace's retention, the event is gone: nothing is left to deliver.
            if (err instanceof WorkflowNotFoundError) continue;
            throw err;
          }
          await deliverTo(client, subscription, heldEvent);
        }
        if (mode === 'once') return;
        held = await bounded(client, () => mailbox.executeUpdate(webhookCaughtUpUpdate, { args: [waiter] }));
      }
    },

    async unsubscribeWebhook(input: UnsubscribeWebhookInput): Promise<void> {
      const { info, client } = scheduledByWorkflow('unsubscribeWebhook');
      await leave(client, input.source, input.key, info.workflowExecution!.workflowId, input.callbackId);
    },

    async holdWebhookEvent(input: HoldWebhookEventInput): Promise<number> {
      const { info, client } = scheduledByWorkflow('holdWebhookEvent');
      const { event, heldUntil } = input;
      const workflowId = info.workflowExecution!.workflowId;
      const subscribers = await bounded(client, () =>
        client.workflow.executeUpdateWithStart(webhookHoldUpdate, {
          args: [{ workflowId, deliveryId: event.deliveryId, event: event.event, receivedAt: event.receivedAt, heldUntil }],
          startWorkflowOperation: mailboxOperation(event.source, event.key, info.taskQueue),
        }),
      );
      let delivered = 0;
      for (const subscription of subscribers) if (await deliverTo(client, subscription, event)) delivered++;
      return delivered;
    },

    async recoverWebhookMailbox(input: RecoverWebhookMailboxInput): Promise<WebhookMailboxState | null> {
      const { info, client } = scheduledByWorkflow('recoverWebhookMailbox');
      const ownRunId = info.workflowExecution!.runId;
      const mailboxId = webhookMailboxId(input.source, input.key);
      // Visibility lists the newest runs first; the first one that is not this run is the one before it.
      for await (const run of client.workflow.list({ query: `WorkflowId = '${mailboxId}'`, pageSize: 10 })) {
        if (run.runId === ownRunId) continue;
        if (run.status.name === 'RUNNING') {
          throw ApplicationFailure.create({
            type: 'VISIBILITY_BEHIND',
            message: `Visibility still lists the previous run of ${mailboxId} as running; it is asked again.`,
          });
        }
        if (!ENDED_UNCLEANLY.has(run.status.name)) return null;
        return bounded(client, () => client.workflow.getHandle(mailboxId, run.runId).query(webhookMailboxStateQuery));
      }
      return null;
    },
  };
  return {
    subscribeWebhook: cancellable(activities.subscribeWebhook),
    unsubscribeWebhook: cancellable(activities.unsubscribeWebhook),
    holdWebhookEvent: cancellable(activities.holdWebhookEvent),
    recoverWebhookMailbox: cancellable(activities.recoverWebhookMailbox),
  };
}

/**
 * `activity` with every Temporal call it makes cut short when the activity is cancelled: a worker
 * shutting down cancels its activities, and an update waits for a workflow task that a worker
 * which stopped polling would never run, so without this a shutdown could wait forever.
 */
function cancellable<I, O>(activity: (input: I) => Promise<O>): (input: I) => Promise<O> {
  return (input) => {
    const { client, cancellationSignal } = Context.current();
    return client.withAbortSignal(cancellationSignal, () => activity(input));
  };
}

/**
 * One Temporal call, given at most {@link CALL_DEADLINE_MS}: a shutting-down worker may not cancel
 * a local activity (`subscribeWith: 'localActivity'`), and the retry comes from the next worker.
 * Per call, not per activity, so a wait handed many held events is not cut short by their number.
 */
function bounded<T>(client: Client, call: () => Promise<T>): Promise<T> {
  return client.withDeadline(Date.now() + CALL_DEADLINE_MS, call);
}

/** The activity's context, refusing (non-retryable) an activity started outside a workflow: webhook routing only talks to workflows. */
function scheduledByWorkflow(name: string): ReturnType<typeof Context.current> {
  const context = Context.current();
  if (!context.info.workflowExecution) {
    throw ApplicationFailure.create({
      type: 'CALLBACK_OUTSIDE_WORKFLOW',
      message: `${name} must be scheduled by a workflow: webhook routing signals the workflow that scheduled it.`,
      nonRetryable: true,
    });
  }
  return context;
}

