import { pollUntil, seconds, sleep } from '../../../test/support/async';
import { describeExit } from '../../../test/support/processes';
import { faultsCluster } from '../support/cluster';
import { all503WithRetryAfter, ANSWER_SLACK_MS, answeredWithin, slowestAnswer } from '../support/mid-load-fault';
import { defineScenario } from '../support/scenario';
import { describeAttempts, describeDeliveries, postCallback, sendLoad, toGateway } from '../support/sender';
import { httpStatus } from '../support/services';

const WORKFLOWS = 200;
/** The gateway's `TEMPORAL_CALL_TIMEOUT_MS` here, as in `temporal-down`. */
const CALL_TIMEOUT_MS = 3_000;
/** How long the frontend stays down while senders keep trying. */
const OUTAGE_MS = 8_000;
/** Bound on the gateway's recovery after the frontend is back. */
const RECOVERY_TIMEOUT_MS = 90_000;

/**
 * The frontend, the one service the gateway talks to, is stopped under a serving gateway while
 * history, matching and PostgreSQL run on: the gateway answers 503 + Retry-After promptly and
 * `/readyz` 503; the frontend starts again, the gateway reconnects by itself, and the senders'
 * retries resume every workflow.
 */
export const frontendRestarted = defineScenario({
  name: 'frontend-restarted',
  summary: 'the frontend service restarted under a serving gateway: 503 + Retry-After while it is gone, then 2xx with nothing lost',
  setup: { gateways: [{ name: 'gateway', temporalCallTimeoutMs: CALL_TIMEOUT_MS }], workers: ['worker-1'], workflows: WORKFLOWS },
  async run(ctx, { gateways: [gateway], workers: [worker], callbacks }) {
    const say = (line: string) => ctx.step(`  ${line}`);
    const bound = CALL_TIMEOUT_MS + ANSWER_SLACK_MS;

    ctx.step('stopping the frontend service (temporal-cluster.sh stop frontend)');
    await faultsCluster.stopService('frontend', say);
    const downAt = Date.now();

    const probe = await postCallback(callbacks[0]!, gateway.url, 60_000);
    const probeMs = probe.endedAt - probe.startedAt;
    ctx.check(
      probe.status === 503 && probe.retryAfter !== undefined && probeMs <= bound,
      `a callback while the frontend is gone: 503 with Retry-After within ${seconds(bound)} (got ${probe.status ?? probe.error}, Retry-After ${probe.retryAfter ?? 'none'}, ${seconds(probeMs)})`,
    );
    const readyz = await httpStatus(`${gateway.url}/readyz`, bound + 5_000);
    ctx.check(readyz === 503, `GET /readyz while the frontend is gone: 503 (got ${readyz ?? 'no answer'})`);

    ctx.step(`senders start delivering all ${callbacks.length} callbacks, retrying 5xx as Retry-After says; the frontend stays down ${seconds(OUTAGE_MS)}`);
    const sending = sendLoad(callbacks, { concurrency: callbacks.length, policyFor: () => toGateway(gateway.url) });
    await sleep(OUTAGE_MS);

    const restartAt = Date.now();
    ctx.step('starting the frontend again (temporal-cluster.sh start)');
    await faultsCluster.start(say);
    const upAt = Date.now();
    ctx.step(`the frontend serves again after ${seconds(upAt - downAt)} down`);
    await pollUntil('gateway /readyz 200 after the restart', async () => (await httpStatus(`${gateway.url}/readyz`)) === 200, RECOVERY_TIMEOUT_MS, 250);
    ctx.step(`ok: the gateway (never restarted, pid ${gateway.pid}) is ready again ${seconds(Date.now() - upAt)} after the frontend answered`);

    const deliveries = await sending;
    ctx.step(describeDeliveries(deliveries));
    const during = [probe, ...answeredWithin(deliveries, downAt, restartAt)];
    const slowest = slowestAnswer(during);
    ctx.step(`answers while the frontend was down: ${describeAttempts(during)}`);
    ctx.check(all503WithRetryAfter(during), `every one of ${during.length} answers while the frontend was down was 503 with Retry-After (never 2xx)`);
    ctx.check(slowest <= bound, `no request hung: slowest answer while the frontend was down ${seconds(slowest)} (bound ${seconds(bound)})`);
    const accepted = deliveries.filter((delivery) => delivery.accepted).length;
    ctx.check(accepted === callbacks.length, `after the restart every callback was accepted (${accepted}/${callbacks.length})`);

    if (!worker.isRunning()) {
      ctx.step(`note: worker-1 exited during the outage (${describeExit(await worker.exited)}); starting worker-2`);
      await ctx.startWorker({ name: 'worker-2' });
    } else {
      ctx.step('worker-1 rode out the outage');
    }
    return ctx.verify(callbacks, deliveries);
  },
});
