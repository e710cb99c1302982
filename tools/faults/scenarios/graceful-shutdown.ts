import { pollUntil, seconds } from '../../../test/support/async';
import { describeExit, exitWithin } from '../../../test/support/processes';
import { defineScenario, type ScenarioContext } from '../support/scenario';
import { deliver, describeAttempts, describeDeliveries, sendLoad, toGateway, type Delivery } from '../support/sender';
import type { GatewayProcess, WorkerProcess } from '../support/services';
import { connectionRefused, openSlowRequest } from '../support/slow-request';
import type { WaitingCallback } from '../support/workflows';

const WORKFLOWS = 200;
/** Requests held half-sent across the gateway's SIGTERM. */
const SLOW_REQUESTS = 20;
/** The worker gets SIGTERM once this many of the second half's callbacks were accepted. */
const WORKER_SIGTERM_AFTER = 30;
/** The gateway's `SHUTDOWN_GRACE_MS` (10 s) plus slack: in-flight requests must end, and the gateway exit, within it. */
const GATEWAY_EXIT_TIMEOUT_MS = 20_000;
/** The SDK's drain of in-flight tasks must end within this. */
const WORKER_EXIT_TIMEOUT_MS = 30_000;

/**
 * SIGTERM to gateway-a while requests are in flight: those it has begun finish (202), new
 * connections are refused at once, and senders fail over to gateway-b. The result: every
 * callback answered 2xx resumes its workflow.
 */
async function gatewayShutdown(ctx: ScenarioContext, gatewayA: GatewayProcess, gatewayB: GatewayProcess, callbacks: WaitingCallback[]): Promise<Delivery[]> {
  const slow = callbacks.slice(0, SLOW_REQUESTS);
  const burst = callbacks.slice(SLOW_REQUESTS);
  const opened = await Promise.all(slow.map((callback) => openSlowRequest(callback, gatewayA.url, 30_000)));
  ctx.step(`${slow.length} requests to gateway-a begun (it answered 100 Continue to each) with half their body sent`);

  ctx.step(`a burst of ${burst.length} callbacks to gateway-a (a retry goes to gateway-b); SIGTERM to gateway-a during it`);
  let answered = 0;
  const burstDone = sendLoad(burst, {
    concurrency: burst.length,
    policyFor: () => ({ ...toGateway(gatewayA.url), gatewayFor: (attempt) => (attempt === 0 ? gatewayA.url : gatewayB.url) }),
    onAttempt: (attempt) => {
      if (attempt.status !== undefined) answered++;
    },
  });
  await pollUntil('first burst answers', async () => answered >= 10, 30_000, 5).catch(() => undefined);
  gatewayA.signalCode('SIGTERM');
  const sigtermAt = Date.now();
  ctx.step(`SIGTERM to gateway-a (pid ${gatewayA.pid}) with ${answered} of the burst answered and ${slow.length} slow requests open`);

  const refusedAfterMs = await pollUntil('gateway-a refusing new connections', () => connectionRefused(gatewayA.port), 5_000, 50).catch(() => undefined);
  ctx.check(refusedAfterMs !== undefined, `new connections to gateway-a refused after SIGTERM${refusedAfterMs === undefined ? '' : ` (within ${seconds(refusedAfterMs)})`}`);
  ctx.check(gatewayA.isRunning(), 'gateway-a still runs: it waits for its in-flight requests');

  ctx.step('sending the rest of the slow requests\' bodies');
  const slowAttempts = await Promise.all(opened.map((request) => request.finish()));
  const slowAccepted = slowAttempts.filter((attempt) => attempt.status === 202).length;
  ctx.check(slowAccepted === slow.length, `every request in flight at the SIGTERM finished with 202: ${slowAccepted}/${slow.length} (${describeAttempts(slowAttempts)})`);

  const exit = await exitWithin(gatewayA, GATEWAY_EXIT_TIMEOUT_MS);
  ctx.check(exit !== undefined && exit.code === 0, `gateway-a exited cleanly after its requests (${exit ? describeExit(exit) : 'still running'}, ${seconds(Date.now() - sigtermAt)} after SIGTERM)`);

  // A slow request that did not get its 202 is retried like any other, at gateway-b.
  const slowDeliveries = await Promise.all(
    slow.map(async (callback, index) => {
      const first = slowAttempts[index]!;
      if (first.status === 202) return { callback, copy: 0, accepted: true, attempts: [first] } satisfies Delivery;
      const retry = await deliver(callback, toGateway(gatewayB.url));
      return { ...retry, attempts: [first, ...retry.attempts] };
    }),
  );
  const burstDeliveries = await burstDone;
  ctx.step(`burst: ${describeDeliveries(burstDeliveries)}`);
  const beforeSigterm = burstDeliveries.filter((delivery) => delivery.attempts[0]?.status === 202 && delivery.attempts[0].endedAt < sigtermAt).length;
  const inFlight = burstDeliveries.filter((delivery) => delivery.attempts[0]?.status === 202 && delivery.attempts[0].endedAt >= sigtermAt).length;
  const failedOver = burstDeliveries.filter((delivery) => delivery.attempts.length > 1).length;
  ctx.step(`burst: gateway-a accepted ${beforeSigterm} before and ${inFlight} after the SIGTERM; ${failedOver} went on to gateway-b`);
  return [...slowDeliveries, ...burstDeliveries];
}

/**
 * SIGTERM to the worker mid-load: the SDK drains and the process exits by itself; callbacks keep
 * being accepted without a worker; a new worker finishes the rest.
 */
async function workerShutdown(ctx: ScenarioContext, worker: WorkerProcess, gatewayB: GatewayProcess, callbacks: WaitingCallback[]): Promise<Delivery[]> {
  ctx.step(`sending ${callbacks.length} more callbacks to gateway-b; SIGTERM to worker-1 after ${WORKER_SIGTERM_AFTER} accepted`);
  let accepted = 0;
  let drained: Promise<void> | undefined;
  const deliveries = await sendLoad(callbacks, {
    concurrency: 10,
    intervalMs: 15,
    policyFor: () => toGateway(gatewayB.url),
    onAttempt: (_attempt, delivery) => {
      if (!delivery.accepted || ++accepted !== WORKER_SIGTERM_AFTER) return;
      const sigtermAt = Date.now();
      worker.signalCode('SIGTERM');
      ctx.step(`SIGTERM to worker-1 (pid ${worker.pid})`);
      drained = exitWithin(worker, WORKER_EXIT_TIMEOUT_MS).then((exit) => {
        ctx.check(
          exit !== undefined && exit.code === 0 && worker.printed('STOPPED'),
          `worker-1 drained and exited by itself (${exit ? describeExit(exit) : 'still running'}, ${seconds(Date.now() - sigtermAt)} after SIGTERM${worker.printed('STOPPED') ? ', the SDK logged STOPPED' : ''})`,
        );
      });
    },
  });
  ctx.step(describeDeliveries(deliveries));
  if (!drained) throw new Error('the load ended before worker-1 got its SIGTERM');
  await drained;
  return deliveries;
}

export const gracefulShutdown = defineScenario({
  name: 'graceful-shutdown',
  summary: 'SIGTERM to a gateway finishes its in-flight requests and refuses new ones; SIGTERM to the worker drains it; nothing accepted is lost',
  setup: { gateways: ['gateway-a', 'gateway-b'], workers: ['worker-1'], workflows: WORKFLOWS },
  async run(ctx, { gateways: [gatewayA, gatewayB], workers: [worker], callbacks }) {
    const half = callbacks.length / 2;

    const first = await gatewayShutdown(ctx, gatewayA, gatewayB, callbacks.slice(0, half));
    const second = await workerShutdown(ctx, worker, gatewayB, callbacks.slice(half));

    const running = await ctx.countRunning(callbacks.slice(half), 20);
    ctx.step(`${running} of the second half still wait (accepted while no worker ran); starting worker-2`);
    await ctx.startWorker({ name: 'worker-2' });
    return ctx.verify(callbacks, [...first, ...second]);
  },
});
