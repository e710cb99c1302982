import { pollUntil } from '../../../test/support/async';
import { defineScenario } from '../support/scenario';
import { describeDeliveries, sendLoad, toGateway } from '../support/sender';

const WORKFLOWS = 400;
/** The `TASK_QUEUE_TYPE_WORKFLOW` value of Temporal's `TaskQueueType` enum. */
const WORKFLOW_TASK_QUEUE = 1;

/**
 * Two gateways and two workers on one task queue split the load: callbacks alternate between
 * the gateways, tasks go to either worker, and nothing is lost or applied twice.
 */
export const scaleOut = defineScenario({
  name: 'scale-out',
  summary: 'two gateways and two workers on one task queue share the load without losing or repeating a callback',
  setup: { gateways: ['gateway-a', 'gateway-b'], workers: ['worker-1', 'worker-2'] },
  async run(ctx, { urls: gateways }) {
    let identities = new Set<string>();
    await pollUntil(
      'two pollers on the task queue',
      async () => {
        const { pollers } = await ctx.client.workflowService.describeTaskQueue({
          namespace: ctx.client.options.namespace,
          taskQueue: { name: ctx.taskQueue },
          taskQueueType: WORKFLOW_TASK_QUEUE,
        });
        identities = new Set((pollers ?? []).map((poller) => poller.identity ?? '?'));
        return identities.size >= 2;
      },
      15_000,
      500,
    ).catch(() => undefined);
    ctx.check(identities.size >= 2, `both workers poll the task queue (${identities.size} pollers: ${[...identities].join(', ')})`);

    const callbacks = await ctx.startWorkflows(WORKFLOWS);
    ctx.step(`sending ${callbacks.length} callbacks alternating gateway-a / gateway-b, 40 at a time`);
    const deliveries = await sendLoad(callbacks, { concurrency: 40, policyFor: (callback) => toGateway(gateways[callback.index % 2]!) });
    ctx.step(describeDeliveries(deliveries));
    return ctx.verify(callbacks, deliveries);
  },
});
