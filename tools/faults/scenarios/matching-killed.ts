import { describeExit } from '../../../test/support/processes';
import { answeredWithin, faultMidLoad, reportOutage } from '../support/mid-load-fault';
import { defineScenario } from '../support/scenario';

const WORKFLOWS = 300;

/**
 * The cluster's matching service is SIGKILLed while callbacks stream in, and started again 12 s
 * later. A delivery needs only the frontend and history (the signal is recorded in history; the
 * workflow task that applies it is handed to matching afterwards), so callbacks keep being
 * accepted; the workflows resume once matching is back and the worker's polls reach it.
 */
export const matchingKilled = defineScenario({
  name: 'matching-killed',
  summary: 'the matching service SIGKILLed mid-load and restarted: deliveries are still accepted, and every workflow resumes once it is back',
  setup: { gateways: ['gateway'], workers: ['worker-1'], workflows: WORKFLOWS },
  async run(ctx, { gateways: [gateway], workers: [worker], callbacks }) {
    const { deliveries, timeline } = await faultMidLoad(ctx, callbacks, {
      service: 'matching',
      how: 'kill',
      afterAccepted: 80,
      outageMs: 12_000,
      gateway,
      concurrency: 16,
      intervalMs: 40,
    });
    const during = reportOutage(ctx, 'matching', deliveries, timeline);
    const acceptedDuring = during.filter((attempt) => attempt.status === 202).length;
    ctx.check(during.length > 0, `the outage was felt: ${during.length} requests were answered while matching was down`);
    ctx.check(acceptedDuring === during.length, `callbacks are accepted without matching: ${acceptedDuring}/${during.length} of them answered 202`);
    const afterKill = answeredWithin(deliveries, timeline.downAt, Number.MAX_SAFE_INTEGER).filter((attempt) => attempt.status === 202).length;
    ctx.step(`${afterKill} callbacks were accepted after matching went down`);
    if (!worker.isRunning()) {
      ctx.step(`note: worker-1 exited during the outage (${describeExit(await worker.exited)}); starting worker-2`);
      await ctx.startWorker({ name: 'worker-2' });
    }
    return ctx.verify(callbacks, deliveries);
  },
});
