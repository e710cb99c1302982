import { pollUntil, seconds, sleep } from '../../../test/support/async';
import type { ClusterService } from '../../../test/support/temporal-cluster';
import { faultsCluster } from './cluster';
import type { ScenarioContext } from './scenario';
import { describeAttempts, sendLoad, toGateway, type Attempt, type Delivery } from './sender';
import { httpStatus, type GatewayProcess } from './services';
import type { WaitingCallback } from './workflows';

/**
 * The shape of the cluster-only scenarios: senders deliver a steady stream of callbacks through
 * a gateway; once some were accepted, one process of the Temporal cluster is killed (or
 * stopped), stays down a while, and is started again; the senders' retries carry on throughout.
 */

/** When the fault began and ended, in `Date.now()` milliseconds. */
export interface FaultTimeline {
  /** The kill (or stop) was sent. */
  faultAt: number;
  /** The process is gone. */
  downAt: number;
  /** `temporal-cluster.sh start` began bringing it back. */
  restartAt: number;
  /** `temporal-cluster.sh start` returned: the cluster serves again. */
  upAt: number;
  /** The gateway's `/readyz` answered 200 again. */
  readyAt: number;
}

/** What {@link faultMidLoad} does. */
export interface MidLoadFault {
  /** Which process, and how: `kill` (SIGKILL; PostgreSQL: an immediate shutdown) or `stop` (SIGTERM; PostgreSQL: a fast shutdown). */
  service: ClusterService;
  how: 'kill' | 'stop';
  /** The fault is injected once this many callbacks were accepted. */
  afterAccepted: number;
  /** How long the process stays down before it is started again. */
  outageMs: number;
  gateway: GatewayProcess;
  /** Callbacks in flight at once. */
  concurrency: number;
  /** The k-th callback starts no earlier than k × this after the load began. */
  intervalMs: number;
}

/** Bound on the gateway's `/readyz` turning 200 after the cluster serves again. */
const READY_TIMEOUT_MS = 90_000;

/** Sends every callback through `fault.gateway`, injecting the fault mid-load and ending it; resolves once every sender is done. */
export async function faultMidLoad(ctx: ScenarioContext, callbacks: readonly WaitingCallback[], fault: MidLoadFault): Promise<{ deliveries: Delivery[]; timeline: FaultTimeline }> {
  const say = (line: string) => ctx.step(`  ${line}`);
  let accepted = 0;
  let outage: Promise<FaultTimeline> | undefined;
  const inject = async (): Promise<FaultTimeline> => {
    const faultAt = Date.now();
    ctx.step(`${accepted} accepted: ${fault.how} ${fault.service} (temporal-cluster.sh ${fault.how} ${fault.service})`);
    await (fault.how === 'kill' ? faultsCluster.killService(fault.service, say) : faultsCluster.stopService(fault.service, say));
    const downAt = Date.now();
    ctx.step(`${fault.service} is down (${seconds(downAt - faultAt)} after the ${fault.how}); it stays down ${seconds(fault.outageMs)} while senders keep sending`);
    await sleep(fault.outageMs);
    const restartAt = Date.now();
    ctx.step(`starting ${fault.service} again (temporal-cluster.sh start)`);
    await faultsCluster.start(say);
    const upAt = Date.now();
    ctx.step(`the cluster serves again ${seconds(upAt - downAt)} after ${fault.service} went down`);
    await pollUntil('gateway /readyz 200 after the restart', async () => (await httpStatus(`${fault.gateway.url}/readyz`)) === 200, READY_TIMEOUT_MS, 250);
    const readyAt = Date.now();
    ctx.step(`the gateway (never restarted, pid ${fault.gateway.pid}) is ready ${seconds(readyAt - upAt)} after that`);
    return { faultAt, downAt, restartAt, upAt, readyAt };
  };
  ctx.step(
    `sending ${callbacks.length} callbacks to the gateway, ${fault.concurrency} at a time spread over ${seconds(callbacks.length * fault.intervalMs)}, ` +
      `retrying as Retry-After says; ${fault.how} ${fault.service} after ${fault.afterAccepted} accepted`,
  );
  const deliveries = await sendLoad(callbacks, {
    concurrency: fault.concurrency,
    intervalMs: fault.intervalMs,
    policyFor: () => toGateway(fault.gateway.url),
    onAttempt: (_attempt, delivery) => {
      if (!delivery.accepted || ++accepted !== fault.afterAccepted) return;
      outage = inject();
      // Awaited once the load ends; until then a failure must not count as unhandled.
      outage.catch(() => undefined);
    },
  });
  if (!outage) throw new Error(`the load ended before ${fault.afterAccepted} callbacks were accepted, so ${fault.service} was never hit`);
  const timeline = await outage;
  return { deliveries, timeline };
}

/** The requests whose answer (or failure) came at or after `from` and before `to`. */
export function answeredWithin(deliveries: readonly Delivery[], from: number, to: number): Attempt[] {
  return deliveries.flatMap((delivery) => delivery.attempts).filter((attempt) => attempt.endedAt >= from && attempt.endedAt < to);
}

/** Prints how requests were answered while the process was down (until its restart began), and returns those requests. */
export function reportOutage(ctx: ScenarioContext, service: ClusterService, deliveries: readonly Delivery[], timeline: FaultTimeline): Attempt[] {
  const during = answeredWithin(deliveries, timeline.downAt, timeline.restartAt);
  ctx.step(`answers while ${service} was down (${seconds(timeline.restartAt - timeline.downAt)}): ${describeAttempts(during)}`);
  const retried = deliveries.filter((delivery) => delivery.attempts.length > 1).length;
  const last = Math.max(...deliveries.map((delivery) => delivery.attempts.at(-1)!.endedAt));
  ctx.step(`${retried} callbacks needed retries; the last sender finished ${seconds(last - timeline.downAt)} after ${service} went down (it was back after ${seconds(timeline.upAt - timeline.downAt)})`);
  return during;
}

/**
 * No answer during an outage may take longer than the gateway's `TEMPORAL_CALL_TIMEOUT_MS` plus
 * this: the Temporal client's retry interceptor may sleep one backoff step past the deadline
 * (see `temporal-down`).
 */
export const ANSWER_SLACK_MS = 5_000;

/** The longest time one of `attempts` took to be answered (0 for none). */
export function slowestAnswer(attempts: readonly Attempt[]): number {
  return Math.max(0, ...attempts.map((attempt) => attempt.endedAt - attempt.startedAt));
}

/** True when every one of `attempts` was answered 503 with `Retry-After`. */
export function all503WithRetryAfter(attempts: readonly Attempt[]): boolean {
  return attempts.every((attempt) => attempt.status === 503 && attempt.retryAfter !== undefined);
}
