import { describeExit } from '../../test/support/processes';
import { seconds } from '../../test/support/async';
import { ANSWER_SLACK_MS, faultMidLoad, reportOutage, slowestAnswer } from '../support/mid-load-fault';
import { defineScenario } from '../support/scenario';

const WORKFLOWS = 300;
/** The gateway's `TEMPORAL_CALL_TIMEOUT_MS` here, as in `temporal-down`. */
const CALL_TIMEOUT_MS = 3_000;

/**
 * PostgreSQL, which holds every history, stops the way a crash does (an immediate shutdown:
 * no checkpoint, recovery from the write-ahead log at the next start) while callbacks stream
 * in, and starts again 12 s later. Temporal's services stay up and reconnect by themselves.
 * Nothing is acknowledged that the database did not commit: no 2xx while it is down, and every
 * accepted callback resumes its workflow exactly once.
 */
export const postgresRestarted = defineScenario({
  name: 'postgres-restarted',
  summary: 'PostgreSQL crashed (immediate shutdown) mid-load and restarted: no 2xx while it is down, then every callback lands exactly once',
  setup: { gateways: [{ name: 'gateway', temporalCallTimeoutMs: CALL_TIMEOUT_MS }], workers: ['worker-1'], workflows: WORKFLOWS },
  async run(ctx, { gateways: [gateway], workers: [worker], callbacks }) {
    const { deliveries, timeline } = await faultMidLoad(ctx, callbacks, {
      service: 'postgres',
      how: 'kill',
      afterAccepted: 80,
      outageMs: 12_000,
      gateway,
      concurrency: 16,
      intervalMs: 40,
    });
    const during = reportOutage(ctx, 'postgres', deliveries, timeline);
    const answered2xx = during.filter((attempt) => attempt.status !== undefined && attempt.status < 300).length;
    const slowest = slowestAnswer(during);
    ctx.check(during.length > 0, `the outage was felt: ${during.length} requests were answered while PostgreSQL was down`);
    ctx.check(answered2xx === 0, `none of them was answered 2xx (${answered2xx})`);
    ctx.check(slowest <= CALL_TIMEOUT_MS + ANSWER_SLACK_MS, `no request hung: slowest answer ${seconds(slowest)} (bound ${seconds(CALL_TIMEOUT_MS + ANSWER_SLACK_MS)})`);
    if (!worker.isRunning()) {
      ctx.step(`note: worker-1 exited during the outage (${describeExit(await worker.exited)}); starting worker-2`);
      await ctx.startWorker({ name: 'worker-2' });
    }
    return ctx.verify(callbacks, deliveries);
  },
});
