import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sleep, withTimeout } from '../../test/support/async';
import { mapLimit } from '../../test/support/pool';
import type { BenchContext } from './support/context';
import { send, startWaiting, type Path } from './support/deliver';
import { BENCH_PROFILE_DIR } from './support/paths';
import { cpuWindow, type CpuWindow } from './support/proc-cpu';
import { summarizeProfile, type ProfileSummary } from './support/profile-summary';
import { median } from './support/stats';

/** Options for {@link runThroughput}. */
export interface ThroughputOptions {
  /** Callbacks per measured round. */
  perRound: number;
  /** Measured rounds per path (alternating paths). */
  rounds: number;
  /** Deliveries in flight at once, on either path. */
  concurrency: number;
  /** Callbacks in the unmeasured warm-up round of each path. */
  warmup: number;
}

/** One round: `n` waiting workflows resumed on `path`. */
export interface ThroughputRound {
  path: Path;
  n: number;
  /** First send to the last workflow running its next step. */
  elapsedMs: number;
  /** First send to the last `202` (or signal call returning). */
  ackedMs: number;
  /** Callbacks per second, send to resumed. */
  rate: number;
  /** Deliveries accepted per second. */
  ackRate: number;
  /** Sends that did not succeed (not `202`). */
  failedSends: number;
  /** Workflows that did not resume within the round's timeout. */
  lost: number;
  /** CPU used by each of our processes and by the rest of the machine, first send to last resumed. */
  cpu: CpuWindow;
  /** CPU ms per callback of the Temporal server, of the gateway process the path used (0 for direct), of this process. */
  cpuPerCallback: { temporal: number; gateway: number; bench: number };
}

/** What {@link runThroughput} measured. */
export interface ThroughputResult {
  options: ThroughputOptions;
  /** The paths measured. */
  paths: Path[];
  rounds: ThroughputRound[];
  medianRate: Partial<Record<Path, number>> & Record<'gateway' | 'direct', number>;
  medianAckRate: Partial<Record<Path, number>> & Record<'gateway' | 'direct', number>;
  /** Gateway over direct, by median rate. */
  ratio: number;
  /**
   * Median CPU ms per callback of Temporal + gateway + this process (worker and sender), by path:
   * what one callback costs the machine, whatever else ran meanwhile.
   */
  cpuPerCallback: Partial<Record<Path, number>>;
  /** Direct over gateway CPU per callback: the throughput ratio a CPU-bound machine would see. */
  capacityRatio: number;
  lost: number;
  failedSends: number;
  /** CPU the gateway processes use at rest (no requests), ms per second: part of every per-callback figure at low rates. */
  idleCpuMsPerSecond: Record<string, number>;
  /** CPU profiles of the gateway processes over extra, unmeasured rounds, by path. */
  profiles: Partial<Record<Path, ProfileSummary>>;
}

/** The default: 3 rounds of 400 per path at 16 in flight. */
export const THROUGHPUT_DEFAULTS: ThroughputOptions = { perRound: 400, rounds: 3, concurrency: 16, warmup: 100 };

/**
 * One round: `n` workflows started to their wait (not measured), then resumed on `path` with
 * `concurrency` deliveries in flight (measured); `onResuming` is called as the first delivery goes out.
 */
export async function throughputRound(ctx: BenchContext, path: Path, n: number, label: string, concurrency: number, onResuming?: () => void): Promise<ThroughputRound> {
  const keys = Array.from({ length: n }, (_, i) => `${ctx.runId}-throughput-${label}-${i}`);
  // Minting as a local activity only makes the (unmeasured) setup quicker; the resume path is the same.
  await startWaiting(ctx.client, ctx.taskQueue, keys, 32, { mintWith: 'localActivity' });
  await withTimeout(Promise.all(keys.map((key) => ctx.probe.whenReady(key))), 300_000, `throughput round ${label} reaching its waits`);
  await sleep(1_000);
  const resumed = keys.map((key) => ctx.probe.whenResumed(key));
  let failedSends = 0;
  const endCpu = cpuWindow(ctx.pids);
  onResuming?.();
  const started = performance.now();
  await mapLimit(keys, concurrency, async (key, i) => {
    const info = await ctx.probe.whenReady(key);
    try {
      await send(ctx, path, info, i);
    } catch (err) {
      if (failedSends++ === 0) ctx.log(`throughput: a ${path} send failed: ${(err as Error).message}`);
    }
  });
  const acked = performance.now();
  let last = acked;
  let resumedCount = 0;
  await withTimeout(
    Promise.all(
      resumed.map(async (promise) => {
        const { at } = await promise;
        resumedCount++;
        last = Math.max(last, at);
      }),
    ),
    120_000,
    `throughput round ${label} resuming`,
  ).catch((err: unknown) => ctx.log(`throughput: ${(err as Error).message}`));
  const cpu = endCpu();
  const perCallback = (name: string | undefined) => (name === undefined ? 0 : (1000 * (cpu.processes[name] ?? NaN)) / n);
  for (const key of keys) ctx.probe.forget(key);
  const elapsedMs = last - started;
  return {
    path,
    n,
    elapsedMs,
    ackedMs: acked - started,
    rate: (1000 * resumedCount) / elapsedMs,
    ackRate: (1000 * (n - failedSends)) / (acked - started),
    failedSends,
    lost: n - resumedCount,
    cpu,
    cpuPerCallback: {
      temporal: perCallback('temporal'),
      gateway: perCallback(path === 'gateway' ? 'gateway' : path === 'gateway-native' ? 'gatewayNative' : undefined),
      bench: perCallback('bench'),
    },
  };
}

/**
 * Benchmark 2. Callbacks per second at a fixed concurrency: rounds of `perRound` waiting workflows,
 * each resumed once, through the gateway and with direct client signals (and through the
 * native-connection gateway when it runs), rotating, against the same dev server and worker. A round's rate counts from the first send to the last workflow
 * running its next step, so a lost delivery would show (and is counted).
 */
export async function runThroughput(ctx: BenchContext, options: ThroughputOptions = THROUGHPUT_DEFAULTS): Promise<ThroughputResult> {
  const paths: Path[] = ctx.gatewayNative ? ['gateway', 'direct', 'gateway-native'] : ['gateway', 'direct'];
  const gatewayPids = Object.fromEntries(Object.entries(ctx.pids).filter(([name]) => name.startsWith('gateway')));
  const rest = cpuWindow(gatewayPids);
  await sleep(3_000);
  const atRest = rest();
  const idleCpuMsPerSecond = Object.fromEntries(Object.entries(atRest.processes).map(([name, seconds]) => [name, (1000 * seconds) / atRest.wall]));
  for (const path of paths) await throughputRound(ctx, path, options.warmup, `warmup-${path}`, options.concurrency);
  const rounds: ThroughputRound[] = [];
  for (let r = 0; r < options.rounds; r++) {
    const order = paths.map((_, k) => paths[(k + r) % paths.length]!);
    for (const path of order) {
      const result = await throughputRound(ctx, path, options.perRound, `${r}-${path}`, options.concurrency);
      rounds.push(result);
      ctx.log(`throughput round ${r + 1}/${options.rounds} ${path}: ${result.rate.toFixed(0)}/s resumed, ${result.ackRate.toFixed(0)}/s accepted, lost ${result.lost}`);
    }
  }
  const profiles: Partial<Record<Path, ProfileSummary>> = {};
  if (ctx.profile) {
    for (const [which, gateway] of [['gateway', ctx.gateway], ['gateway-native', ctx.gatewayNative]] as const) {
      if (!gateway) continue;
      const file = path.join(BENCH_PROFILE_DIR, `${which === 'gateway' ? 'gateway-temporal' : 'gateway-native'}-${ctx.runId}.cpuprofile`);
      const n = Math.ceil(options.perRound / 2);
      await gateway.startProfile();
      await throughputRound(ctx, which, n, `profiled-${which}`, options.concurrency);
      await gateway.stopProfile(file);
      profiles[which] = summarizeProfile(file, n);
    }
  }
  const rates = (pick: (round: ThroughputRound) => number) => {
    const of = (path: Path) => median(rounds.filter((x) => x.path === path).map(pick));
    return { gateway: of('gateway'), direct: of('direct'), ...(ctx.gatewayNative ? { 'gateway-native': of('gateway-native') } : {}) };
  };
  const medianRate = rates((x) => x.rate);
  const cpuPerCallback = Object.fromEntries(
    paths.map((path) => [path, median(rounds.filter((x) => x.path === path).map((x) => x.cpuPerCallback.temporal + x.cpuPerCallback.gateway + x.cpuPerCallback.bench))]),
  ) as Partial<Record<Path, number>>;
  return {
    cpuPerCallback,
    capacityRatio: cpuPerCallback.direct! / cpuPerCallback.gateway!,
    options,
    paths,
    idleCpuMsPerSecond,
    rounds,
    medianRate,
    medianAckRate: rates((x) => x.ackRate),
    ratio: medianRate.gateway / medianRate.direct,
    lost: rounds.reduce((sum, x) => sum + x.lost, 0),
    failedSends: rounds.reduce((sum, x) => sum + x.failedSends, 0),
    profiles,
  };
}
