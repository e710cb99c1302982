import { WorkflowNotFoundError } from '@temporalio/client';
import { pollUntil, seconds, sleep } from '../../../test/support/async';
import { mapLimit } from '../../../test/support/pool';
import { describeExit } from '../../../test/support/processes';
import { temporal } from '../support/paths';
import { defineScenario, type ScenarioContext } from '../support/scenario';
import { describeDeliveries, postCallback, sendLoad, toGateway, type Attempt } from '../support/sender';
import { httpStatus, type GatewayProcess } from '../support/services';

const WORKFLOWS = 100;
/** The gateway's `TEMPORAL_CALL_TIMEOUT_MS` in this scenario. */
const CALL_TIMEOUT_MS = 3_000;
/**
 * No answer may take longer than the call timeout plus this. The slack is wide because the
 * Temporal client's gRPC retry interceptor sleeps between attempts without regard to the call's
 * deadline: a call can end up to one backoff step (about 2.4 s here) past the timeout.
 */
const ANSWER_SLACK_MS = 5_000;
/** How long Temporal stays down while senders keep trying. */
const OUTAGE_MS = 8_000;
/** Bound on the gateway's recovery after Temporal is back. */
const RECOVERY_TIMEOUT_MS = 90_000;

async function timedReadyz(gateway: GatewayProcess): Promise<{ status: number | undefined; ms: number }> {
  const started = Date.now();
  const status = await httpStatus(`${gateway.url}/readyz`, CALL_TIMEOUT_MS + ANSWER_SLACK_MS + 5_000);
  return { status, ms: Date.now() - started };
}

function checkOutageAnswer(ctx: ScenarioContext, what: string, answer: { status?: number; retryAfter?: string; ms: number }): void {
  ctx.check(
    answer.status === 503 && answer.retryAfter !== undefined && answer.ms <= CALL_TIMEOUT_MS + ANSWER_SLACK_MS,
    `${what}: 503 with Retry-After within ${seconds(CALL_TIMEOUT_MS + ANSWER_SLACK_MS)} (got ${answer.status ?? 'no answer'}, Retry-After ${answer.retryAfter ?? 'none'}, ${seconds(answer.ms)})`,
  );
}

/**
 * Temporal stops while workflows wait: the gateway answers 503 + Retry-After (never 2xx, never
 * hanging) and `/readyz` 503; Temporal restarts on the same SQLite file, the gateway recovers by
 * itself, and the senders' retries resume every workflow.
 */
export const temporalDown = defineScenario({
  name: 'temporal-down',
  summary: 'while Temporal is down the gateway answers 503 + Retry-After promptly; after a restart every retried callback resumes its workflow',
  setup: { gateways: [{ name: 'gateway', temporalCallTimeoutMs: CALL_TIMEOUT_MS }], workers: ['worker-1'], workflows: WORKFLOWS },
  async run(ctx, { gateways: [gateway], workers: [worker], callbacks }) {
    const say = (line: string) => ctx.step(`  ${line}`);

    ctx.step('stopping the Temporal dev server (temporal-dev.sh stop)');
    await temporal.stop(say);
    const downAt = Date.now();

    const [probe, readyz] = await Promise.all([postCallback(callbacks[0]!, gateway.url, 60_000), timedReadyz(gateway)]);
    checkOutageAnswer(ctx, 'a callback during the outage', { ...probe, ms: probe.endedAt - probe.startedAt });
    ctx.check(readyz.status === 503 && readyz.ms <= CALL_TIMEOUT_MS + ANSWER_SLACK_MS, `GET /readyz during the outage: 503 (got ${readyz.status ?? 'no answer'} in ${seconds(readyz.ms)})`);

    ctx.step(`senders start delivering all ${callbacks.length} callbacks, retrying 5xx as Retry-After says; Temporal stays down ${seconds(OUTAGE_MS)}`);
    const sending = sendLoad(callbacks, { concurrency: callbacks.length, policyFor: () => toGateway(gateway.url) });
    await sleep(OUTAGE_MS);
    const readyzLater = await timedReadyz(gateway);
    ctx.check(readyzLater.status === 503, `GET /readyz still 503 after ${seconds(Date.now() - downAt)} down (got ${readyzLater.status ?? 'no answer'})`);

    const restartAt = Date.now();
    ctx.step('starting the Temporal dev server again on the same SQLite file');
    await temporal.start(say);
    const upAt = Date.now();
    ctx.step(`Temporal back after ${seconds(upAt - downAt)} down`);

    await pollUntil('gateway /readyz 200 after the restart', async () => (await httpStatus(`${gateway.url}/readyz`)) === 200, RECOVERY_TIMEOUT_MS, 250);
    ctx.step(`ok: the gateway (never restarted, pid ${gateway.pid}) is ready again ${seconds(Date.now() - upAt)} after Temporal answered`);

    const statuses = await mapLimit(callbacks, 20, async (callback) => {
      try {
        return (await callback.handle.describe()).status.name;
      } catch (err) {
        return err instanceof WorkflowNotFoundError ? 'NOT_FOUND' : 'UNKNOWN';
      }
    });
    const found = statuses.filter((status) => status === 'RUNNING' || status === 'COMPLETED').length;
    ctx.check(found === callbacks.length, `every workflow survived the restart: ${found}/${callbacks.length} found (${statuses.filter((status) => status === 'RUNNING').length} still waiting, the rest already resumed)`);

    if (!worker.isRunning()) {
      ctx.step(`note: worker-1 exited during the outage (${describeExit(await worker.exited)}); starting worker-2`);
      await ctx.startWorker({ name: 'worker-2' });
    } else {
      ctx.step('worker-1 rode out the outage');
    }

    const deliveries = await sending;
    ctx.step(describeDeliveries(deliveries));
    const duringOutage: Attempt[] = deliveries.flatMap((delivery) => delivery.attempts).filter((attempt) => attempt.endedAt < restartAt);
    const bound = CALL_TIMEOUT_MS + ANSWER_SLACK_MS;
    const slowest = Math.max(0, ...duringOutage.map((attempt) => attempt.endedAt - attempt.startedAt));
    ctx.check(duringOutage.every((attempt) => attempt.status === 503 && attempt.retryAfter !== undefined), `every one of ${duringOutage.length} answers during the outage was 503 with Retry-After (never 2xx)`);
    ctx.check(slowest <= bound, `no request hung: slowest answer during the outage ${seconds(slowest)} (bound ${seconds(bound)})`);
    if (slowest > CALL_TIMEOUT_MS + 1_000) ctx.step(`note: the slowest answer took ${seconds(slowest - CALL_TIMEOUT_MS)} longer than TEMPORAL_CALL_TIMEOUT_MS (${seconds(CALL_TIMEOUT_MS)})`);
    const retried = deliveries.filter((delivery) => delivery.attempts.length > 1).length;
    ctx.step(`${retried} callbacks needed retries; the last was accepted ${seconds(Math.max(...deliveries.map((delivery) => delivery.attempts.at(-1)!.endedAt)) - restartAt)} after the restart began`);
    return ctx.verify(callbacks, deliveries);
  },
});
