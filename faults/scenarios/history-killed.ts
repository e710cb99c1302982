import { describeExit } from '../../test/support/processes';
import { seconds } from '../../test/support/async';
import { all503WithRetryAfter, ANSWER_SLACK_MS, faultMidLoad, reportOutage, slowestAnswer } from '../support/mid-load-fault';
import { defineScenario } from '../support/scenario';

const WORKFLOWS = 300;
/** The gateway's `TEMPORAL_CALL_TIMEOUT_MS` here, as in `temporal-down`. */
const CALL_TIMEOUT_MS = 3_000;

/**
 * The cluster's history service (every history shard) is SIGKILLed while callbacks stream in,
 * and started again 12 s later. Nothing can record a signal while it is gone, so the gateway
 * answers 503 + Retry-After; once a new history process owns the shards, the retries land and
 * every accepted callback resumes its workflow exactly once.
 */
export const historyKilled = defineScenario({
  name: 'history-killed',
  summary: 'the history service SIGKILLed mid-load and restarted: 503 + Retry-After while it is gone, then every callback lands exactly once',
  setup: { gateways: [{ name: 'gateway', temporalCallTimeoutMs: CALL_TIMEOUT_MS }], workers: ['worker-1'], workflows: WORKFLOWS },
  async run(ctx, { gateways: [gateway], workers: [worker], callbacks }) {
    const { deliveries, timeline } = await faultMidLoad(ctx, callbacks, {
      service: 'history',
      how: 'kill',
      afterAccepted: 80,
      outageMs: 12_000,
      gateway,
      concurrency: 16,
      intervalMs: 40,
    });
    const during = reportOutage(ctx, 'history', deliveries, timeline);
    const slowest = slowestAnswer(during);
    ctx.check(during.length > 0, `the outage was felt: ${during.length} requests were answered while history was down`);
    ctx.check(all503WithRetryAfter(during), `every one of them was answered 503 with Retry-After (never 2xx)`);
    ctx.check(slowest <= CALL_TIMEOUT_MS + ANSWER_SLACK_MS, `no request hung: slowest answer ${seconds(slowest)} (bound ${seconds(CALL_TIMEOUT_MS + ANSWER_SLACK_MS)})`);
    if (!worker.isRunning()) {
      ctx.step(`note: worker-1 exited during the outage (${describeExit(await worker.exited)}); starting worker-2`);
      await ctx.startWorker({ name: 'worker-2' });
    }
    return ctx.verify(callbacks, deliveries);
  },
});
