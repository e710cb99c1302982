import { performance } from 'node:perf_hooks';
import { sleep, withTimeout } from '../test/support/async';
import type { BenchContext } from './support/context';
import { send, startWaiting, type Path } from './support/deliver';
import { cpuWindow, type CpuWindow } from './support/proc-cpu';
import { summarize, type Summary } from './support/stats';

/** Options for {@link runResumeLatency}. */
export interface ResumeLatencyOptions {
  /** Samples per path thrown away first. */
  warmup: number;
  /** Samples per path kept. */
  samples: number;
  /** Workflows started (per path) before each run of sequential samples. */
  batch: number;
  /** Pause between samples, so each one starts on a quiet system. */
  gapMs: number;
}

/** What {@link runResumeLatency} measured, in ms. */
export interface ResumeLatencyResult {
  options: ResumeLatencyOptions;
  /** The paths measured, in the order of the first sample. */
  paths: Path[];
  /** Send to the workflow's next step running (`benchResumed`), per path. */
  resume: Partial<Record<Path, Summary>> & Record<'gateway' | 'direct', Summary>;
  /** Send to the sender's answer: the gateway's `202`, or the client's signal call returning. */
  ack: Partial<Record<Path, Summary>> & Record<'gateway' | 'direct', Summary>;
  /** Per pair of consecutive samples: gateway resume minus direct resume. */
  pairedDifference: Summary;
  p50Ratio: number;
  p99AddedMs: number;
  /** Waits that ended other than `received` (must be 0). */
  notReceived: number;
  /** CPU over the whole benchmark: ours per process, and the rest of the machine's. */
  cpu: CpuWindow;
}

/** The default: 30 warm-up and 200 kept samples per path. */
export const RESUME_LATENCY_DEFAULTS: ResumeLatencyOptions = { warmup: 30, samples: 200, batch: 10, gapMs: 15 };

/**
 * Benchmark 1. Sequential samples of "sender sends" to "the workflow runs its next step", through
 * the gateway (HTTP POST to the callback URL, the gateway signals) and directly (a Temporal client
 * in the sender's process signals the same payload), interleaved sample by sample (rotating which
 * path goes first) so drift and background load hit every path alike. When a native-connection
 * gateway runs, it is a third path.
 */
export async function runResumeLatency(ctx: BenchContext, options: ResumeLatencyOptions = RESUME_LATENCY_DEFAULTS): Promise<ResumeLatencyResult> {
  const total = options.warmup + options.samples;
  const paths: Path[] = ctx.gatewayNative ? ['gateway', 'direct', 'gateway-native'] : ['gateway', 'direct'];
  const resume: Record<Path, number[]> = { gateway: [], direct: [], 'gateway-native': [] };
  const ack: Record<Path, number[]> = { gateway: [], direct: [], 'gateway-native': [] };
  const differences: number[] = [];
  let notReceived = 0;
  const endCpu = cpuWindow(ctx.pids);
  for (let first = 0; first < total; first += options.batch) {
    const pairs = Array.from({ length: Math.min(options.batch, total - first) }, (_, j) => first + j);
    const keyOf = (i: number, path: Path) => `${ctx.runId}-latency-${i}-${path}`;
    const keys = pairs.flatMap((i) => paths.map((path) => keyOf(i, path)));
    // Minting as a local activity only makes the (unmeasured) setup quicker; the resume path is the same.
    await startWaiting(ctx.client, ctx.taskQueue, keys, 8, { mintWith: 'localActivity' });
    await withTimeout(Promise.all(keys.map((key) => ctx.probe.whenReady(key))), 120_000, 'latency batch reaching its wait');
    await sleep(200);
    for (const i of pairs) {
      const order = paths.map((_, k) => paths[(k + i) % paths.length]!);
      const pair: Partial<Record<Path, number>> = {};
      for (const path of order) {
        const key = keyOf(i, path);
        const info = await ctx.probe.whenReady(key);
        const resumed = ctx.probe.whenResumed(key);
        const sent = performance.now();
        await send(ctx, path, info, i);
        const acked = performance.now();
        const { at, status } = await withTimeout(resumed, 60_000, `workflow ${key} resuming`);
        if (status !== 'received') notReceived++;
        pair[path] = at - sent;
        if (i >= options.warmup) {
          resume[path].push(at - sent);
          ack[path].push(acked - sent);
        }
        ctx.probe.forget(key);
        await sleep(options.gapMs);
      }
      if (i >= options.warmup) differences.push(pair.gateway! - pair.direct!);
    }
    ctx.log(`resume latency: ${Math.min(first + options.batch, total)}/${total} pairs`);
  }
  const summaries = (samples: Record<Path, number[]>) => ({
    gateway: summarize(samples.gateway),
    direct: summarize(samples.direct),
    ...(ctx.gatewayNative ? { 'gateway-native': summarize(samples['gateway-native']) } : {}),
  });
  const summary = summaries(resume);
  return {
    options,
    paths,
    resume: summary,
    ack: summaries(ack),
    pairedDifference: summarize(differences),
    p50Ratio: summary.gateway.p50 / summary.direct.p50,
    p99AddedMs: summary.gateway.p99 - summary.direct.p99,
    notReceived,
    cpu: endCpu(),
  };
}
