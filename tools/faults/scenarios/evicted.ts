import { defineScenario } from '../support/scenario';
import { describeDeliveries, sendLoad, toGateway } from '../support/sender';

const WORKFLOWS = 200;
/** `WORKER_MAX_CACHED_WORKFLOWS`: the SDK's smallest cache, so nearly every task replays history. */
const CACHE_SIZE = 2;

/**
 * A worker that caches only two workflows: the 200 waiting workflows are evicted and rebuilt by
 * replay, and each still resumes on its callback with exactly its own data.
 */
export const evicted = defineScenario({
  name: 'evicted',
  summary: `a worker caching ${CACHE_SIZE} workflows: ${WORKFLOWS} evicted waits resume by replay`,
  setup: { gateways: ['gateway'], workers: [{ name: 'worker', maxCachedWorkflows: CACHE_SIZE }], workflows: WORKFLOWS, concurrency: 20 },
  async run(ctx, { gateways: [gateway], callbacks }) {
    ctx.step(`sending ${callbacks.length} callbacks, 20 at a time`);
    const deliveries = await sendLoad(callbacks, { concurrency: 20, policyFor: () => toGateway(gateway.url) });
    ctx.step(describeDeliveries(deliveries));
    // Two workflow-task slots (the SDK caps them at the cache size): let the waits finish, then query gently.
    return ctx.verify(callbacks, deliveries, { queryAfterAll: true, queryConcurrency: 2 });
  },
});
