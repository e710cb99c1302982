import { describeExit } from '../../../test/support/processes';
import { defineScenario } from '../support/scenario';
import { alternating, describeDeliveries, sendLoad } from '../support/sender';
import type { GatewayProcess } from '../support/services';

/** Gateway A is killed once this many callbacks were accepted. */
const KILL_AFTER_ACCEPTED = 100;
/** Spreads the load over about 270 × 20 ms = 5.4 s, so it runs on while A dies. */
const INTERVAL_MS = 20;
/** Callbacks kept for after gateway-a's restart, which must take them. */
const HELD_BACK = 30;

/**
 * Two gateways share the load; one is SIGKILLed mid-load. Senders retry connection errors and
 * 5xx at the other gateway, with the same `Idempotency-Key`, so every callback lands, each
 * workflow taking exactly one delivery. The killed gateway is restarted and takes the last ones.
 */
export const gatewayKilled = defineScenario({
  name: 'gateway-killed',
  summary: 'a gateway SIGKILLed mid-load: senders fail over to the other gateway and every callback lands exactly once',
  setup: { gateways: ['gateway-a', 'gateway-b'], workers: ['worker'], workflows: 300 },
  async run(ctx, { gateways: [gatewayA, gatewayB], urls: gateways, callbacks }) {
    const load = callbacks.slice(0, -HELD_BACK);
    const heldBack = callbacks.slice(-HELD_BACK);
    let accepted = 0;
    let killedAt: number | undefined;
    let restarted: Promise<GatewayProcess> | undefined;
    ctx.step(`sending ${load.length} callbacks over both gateways (alternating; a retry goes to the other one), SIGKILL to gateway-a after ${KILL_AFTER_ACCEPTED} accepted`);
    const deliveries = await sendLoad(load, {
      concurrency: 16,
      intervalMs: INTERVAL_MS,
      policyFor: (callback) => alternating(gateways, callback.index % 2),
      onAttempt: (_attempt, delivery) => {
        if (!delivery.accepted || ++accepted !== KILL_AFTER_ACCEPTED) return;
        killedAt = Date.now();
        ctx.step(`${accepted} accepted: SIGKILL to gateway-a (pid ${gatewayA.pid})`);
        restarted = gatewayA.kill().then((exit) => {
          ctx.step(`gateway-a gone (${describeExit(exit)}); restarting it on the same port`);
          return ctx.startGateway({ name: 'gateway-a-restarted', port: ctx.gatewayPorts[0] });
        });
      },
    });
    ctx.step(describeDeliveries(deliveries));
    if (!restarted || killedAt === undefined) throw new Error('the load ended before gateway-a was killed');
    const attempts = deliveries.flatMap((delivery) => delivery.attempts);
    const failedOnA = attempts.filter((attempt) => attempt.gateway === gatewayA.url && attempt.startedAt >= killedAt! - 1_000 && attempt.status === undefined).length;
    const failedOver = deliveries.filter((delivery) => delivery.attempts.some((attempt) => attempt.status === undefined)).length;
    ctx.check(failedOnA > 0, `the kill was felt: ${failedOnA} requests to gateway-a got no answer; ${failedOver} callbacks were retried at the other gateway`);

    const restartedA = await restarted;
    ctx.step(`sending the ${heldBack.length} held-back callbacks to the restarted gateway-a`);
    const last = await sendLoad(heldBack, { concurrency: 10, policyFor: () => alternating([restartedA.url, gatewayB.url], 0) });
    const takenByA = last.filter((delivery) => delivery.attempts[0]?.status === 202).length;
    ctx.check(takenByA === heldBack.length, `the restarted gateway-a accepted ${takenByA}/${heldBack.length} on the first request`);
    deliveries.push(...last);
    return ctx.verify(callbacks, deliveries);
  },
});
