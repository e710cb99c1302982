import { describeExit } from '../../../test/support/processes';
import { defineScenario } from '../support/scenario';
import { describeDeliveries, sendLoad, toGateway } from '../support/sender';

const WORKFLOWS = 1_000;
const SAMPLE = 20;

/**
 * 1,000 workflows wait; the worker is SIGKILLed; every callback is still answered 202 (the
 * gateway only needs Temporal); a new worker resumes each workflow with exactly its own data.
 */
export const workerDown = defineScenario({
  name: 'worker-down',
  summary: 'callbacks sent while no worker runs are answered 202 and resume their workflows once a worker is back',
  setup: { gateways: ['gateway'], workers: ['worker-1'], workflows: WORKFLOWS, concurrency: 50 },
  async run(ctx, { gateways: [gateway], workers: [worker], callbacks }) {
    ctx.step('SIGKILL to worker-1 (its whole process group)');
    ctx.step(`worker-1 gone (${describeExit(await worker.kill())})`);

    ctx.step(`sending ${callbacks.length} callbacks to the gateway, 50 at a time, while no worker runs`);
    const deliveries = await sendLoad(callbacks, { concurrency: 50, policyFor: () => toGateway(gateway.url) });
    ctx.step(describeDeliveries(deliveries));
    const firstAnswers = deliveries.filter((delivery) => delivery.attempts[0]?.status === 202).length;
    ctx.check(firstAnswers === callbacks.length, `every callback answered 202 on its first request (${firstAnswers}/${callbacks.length})`);

    const sample = callbacks.slice(0, SAMPLE);
    const running = await ctx.countRunning(sample, 10);
    ctx.check(running === sample.length, `no worker, so nothing resumed yet: ${running}/${sample.length} sampled workflows still RUNNING`);

    await ctx.startWorker({ name: 'worker-2' });
    return ctx.verify(callbacks, deliveries, { completionTimeoutMs: 240_000 });
  },
});
