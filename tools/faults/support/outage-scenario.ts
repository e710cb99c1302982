import { seconds } from '../../../test/support/async';
import { describeExit } from '../../../test/support/processes';
import type { ClusterService } from '../../../test/support/temporal-cluster';
import { ANSWER_SLACK_MS, faultMidLoad, reportOutage, slowestAnswer } from './mid-load-fault';
import { defineScenario, type ScenarioContext } from './scenario';
import type { Attempt } from './sender';

const WORKFLOWS = 300;
/** The gateway's `TEMPORAL_CALL_TIMEOUT_MS` in these scenarios, as in `temporal-down`. */
const CALL_TIMEOUT_MS = 3_000;

/** What sets one outage scenario apart: the process killed, and what its answers must show. */
export interface OutageScenarioSpec {
  name: string;
  summary: string;
  service: ClusterService;
  /** The service as a sentence names it. */
  label: string;
  /** Checks on the requests answered while the service was down, beyond "felt" and "none hung". */
  checkOutage(ctx: ScenarioContext, during: Attempt[]): void;
}

/**
 * A cluster scenario in which `spec.service` is SIGKILLed after 80 callbacks were accepted and
 * started again 12 s later, while callbacks stream in through one gateway: the outage must be
 * felt, no request may hang past the call timeout, `spec.checkOutage` holds, and every accepted
 * callback resumes its workflow exactly once.
 */
export function defineOutageScenario(spec: OutageScenarioSpec) {
  return defineScenario({
    name: spec.name,
    summary: spec.summary,
    setup: { gateways: [{ name: 'gateway', temporalCallTimeoutMs: CALL_TIMEOUT_MS }], workers: ['worker-1'], workflows: WORKFLOWS },
    async run(ctx, { gateways: [gateway], workers: [worker], callbacks }) {
      const { deliveries, timeline } = await faultMidLoad(ctx, callbacks, {
        service: spec.service,
        how: 'kill',
        afterAccepted: 80,
        outageMs: 12_000,
        gateway,
        concurrency: 16,
        intervalMs: 40,
      });
      const during = reportOutage(ctx, spec.service, deliveries, timeline);
      const slowest = slowestAnswer(during);
      ctx.check(during.length > 0, `the outage was felt: ${during.length} requests were answered while ${spec.label} was down`);
      spec.checkOutage(ctx, during);
      ctx.check(slowest <= CALL_TIMEOUT_MS + ANSWER_SLACK_MS, `no request hung: slowest answer ${seconds(slowest)} (bound ${seconds(CALL_TIMEOUT_MS + ANSWER_SLACK_MS)})`);
      if (!worker.isRunning()) {
        ctx.step(`note: worker-1 exited during the outage (${describeExit(await worker.exited)}); starting worker-2`);
        await ctx.startWorker({ name: 'worker-2' });
      }
      return ctx.verify(callbacks, deliveries);
    },
  });
}
