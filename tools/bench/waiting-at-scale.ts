import { performance } from 'node:perf_hooks';
import { sleep, withTimeout } from '../../test/support/async';
import { mapLimit } from '../../test/support/pool';
import type { BenchContext } from './support/context';
import { send, startWaiting, type Path } from './support/deliver';
import { Probe } from './support/probe';
import { cpuWindow, type CpuWindow } from './support/proc-cpu';
import { summarize, type Summary } from './support/stats';
import { startWorkerHost } from './support/worker-host';
import type { WorkerHostConfig, WorkerHostMemory } from './support/worker-host-child';
import type { MintWith } from './workflows';

/** The paths this benchmark resumes by: the gateway as deployed, and direct signals as the baseline. */
export type ScalePath = Extract<Path, 'gateway' | 'direct'>;

/** Options for {@link runWaitingAtScale}. */
export interface WaitingAtScaleOptions {
  /** Workflows waiting at once (asked for; a time budget may start fewer). */
  n: number;
  /** How the workflows mint their URL; unset: the product's default (`DEFAULT_MINT_WITH`). */
  mintWith?: MintWith;
  /**
   * `performance.now()` by which the benchmark should be done: each cache configuration gets an
   * equal share of the time left, and issues no new start after 45 % of its share.
   */
  deadline?: number;
  /** Worker cache sizes to compare; `undefined` is the SDK's default. */
  caches: Array<number | undefined>;
  /**
   * Workflows being started at once: a new start is issued when one of these reaches its wait,
   * so the start rate follows what Temporal and the worker sustain instead of queueing a backlog.
   */
  startConcurrency: number;
  /** Deliveries in flight while resuming all. */
  resumeConcurrency: number;
}

/** One cache configuration's figures. */
export interface WaitingAtScaleRun {
  /** The cache size the worker ran with. */
  maxCachedWorkflows: number;
  /** Workflows asked for. */
  requested: number;
  /** Workflows started and waiting at once: fewer than asked when the time budget ran out. */
  n: number;
  /** First start call to the last workflow waiting (URL minted), `startConcurrency` starting at a time. */
  startMs: number;
  startRate: number;
  /** Worker process memory, bytes: idle, with all N waiting, after all resumed. */
  memory: { idle: WorkerHostMemory; waiting: WorkerHostMemory; resumed: WorkerHostMemory };
  /** RSS growth per waiting workflow the cache can hold (min(N, cache)), bytes. */
  rssPerCachedWorkflow: number;
  /** First send to the last workflow running its next step. */
  resumeAllMs: number;
  resumeRate: number;
  /** Send to resumed, per delivery, with `resumeConcurrency` resumes in flight, by path (every other workflow each). */
  resume: Record<ScalePath, Summary>;
  /** Gateway over direct, p50 of per-resume latency. */
  p50Ratio: number;
  /**
   * When N exceeds the cache: per-resume latency (both paths) of the workflows started last, which
   * the cache still held, and of the earlier ones it had evicted (their resume replays history).
   */
  byCache?: { cached: Summary; evicted: Summary };
  lost: number;
  failedSends: number;
  /** CPU per process (Temporal, gateway, worker, driver) and the rest of the machine, while starting and while resuming. */
  cpu: { start: CpuWindow; resume: CpuWindow };
}

/** What {@link runWaitingAtScale} measured. */
export interface WaitingAtScaleResult {
  options: WaitingAtScaleOptions;
  runs: WaitingAtScaleRun[];
}

/** Default N: 10,000 (`BENCH_WAITING` to change). */
export const WAITING_DEFAULTS: WaitingAtScaleOptions = { n: 10_000, caches: [undefined, 100], startConcurrency: 64, resumeConcurrency: 16 };

const MiB = 2 ** 20;

/**
 * The order to resume in: the evicted workflows (`keys` before `heldFrom`) and the cached ones
 * (from `heldFrom`) spread evenly over the run, so both meet the same load and the comparison
 * between them is fair.
 */
function resumeOrder(keys: readonly string[], heldFrom: number): string[] {
  const evicted = keys.slice(0, heldFrom);
  const cached = keys.slice(heldFrom);
  const placed = [...evicted.map((key, i) => ({ key, at: (i + 0.5) / evicted.length })), ...cached.map((key, j) => ({ key, at: (j + 0.5) / cached.length }))];
  return placed.sort((a, b) => a.at - b.at).map((x) => x.key);
}

async function runOne(ctx: BenchContext, options: WaitingAtScaleOptions, cache: number | undefined, label: string, endBy: number): Promise<WaitingAtScaleRun> {
  const probe = new Probe();
  const taskQueue = `${ctx.runId}-scale-${label}`;
  const config: WorkerHostConfig = {
    address: ctx.temporalAddress,
    namespace: ctx.namespace,
    taskQueue,
    workflowBundlePath: ctx.workflowBundlePath,
    signingKey: ctx.signingKeyBase64,
    identity: ctx.identity,
    callbackBaseUrl: ctx.gateway.url,
    ...(cache === undefined ? {} : { maxCachedWorkflows: cache }),
  };
  const host = await startWorkerHost(config, probe);
  const progress = (what: string, count: () => number) => {
    const timer = setInterval(() => ctx.log(`waiting at scale (${label}): ${count()} ${what}`), 15_000);
    return () => clearInterval(timer);
  };
  try {
    await sleep(2_000);
    const idle = await host.memory();
    const asked = Array.from({ length: options.n }, (_, i) => `${ctx.runId}-scale-${label}-${i}`);

    const pids = { ...ctx.pids, worker: host.pid };
    let stop = progress('waiting', () => probe.readyCount);
    let endCpu = cpuWindow(pids);
    const startBegan = performance.now();
    const stopAt = startBegan + 0.45 * Math.max(0, endBy - startBegan);
    const keys: string[] = [];
    await mapLimit(asked, options.startConcurrency, async (key) => {
      if (performance.now() >= stopAt) return;
      keys.push(...(await startWaiting(ctx.client, taskQueue, [key], 1, options.mintWith ? { mintWith: options.mintWith } : {})));
      await withTimeout(probe.whenReady(key), 10 * 60_000, `workflow ${key} reaching its wait`);
    });
    const n = keys.length;
    if (n < options.n) ctx.log(`waiting at scale (${label}): the time budget allowed ${n} of ${options.n} starts`);
    const startMs = performance.now() - startBegan;
    const startCpu = endCpu();
    stop();
    ctx.log(`waiting at scale (${label}): ${n} waiting after ${(startMs / 1000).toFixed(1)} s`);
    await sleep(3_000);
    const waiting = await host.memory();

    stop = progress('resumed', () => probe.resumedCount);
    const latencies: Record<ScalePath, number[]> = { gateway: [], direct: [] };
    // The cache evicts the least recently used: of workflows started in order, it holds the last ones.
    const heldFrom = keys.length - host.maxCachedWorkflows;
    const cachedKeys = new Set(keys.slice(Math.max(0, heldFrom)));
    const order = resumeOrder(keys, Math.max(0, heldFrom));
    const byCache = { cached: [] as number[], evicted: [] as number[] };
    let failedSends = 0;
    let last = 0;
    endCpu = cpuWindow(pids);
    const resumeBegan = performance.now();
    // Closed loop: each lane sends its next delivery once its previous workflow resumed, so the
    // per-resume latency is service time at this concurrency, not time spent queued behind a backlog.
    await mapLimit(order, options.resumeConcurrency, async (key, i) => {
      const path: ScalePath = i % 2 === 0 ? 'gateway' : 'direct';
      const info = await probe.whenReady(key);
      const resumed = probe.whenResumed(key);
      const sent = performance.now();
      try {
        await send(ctx, path, info, i);
      } catch (err) {
        if (failedSends++ === 0) ctx.log(`waiting at scale: a ${path} send failed: ${(err as Error).message}`);
        return;
      }
      const outcome = await withTimeout(resumed, 5 * 60_000, `workflow ${key} resuming`).catch(() => undefined);
      if (!outcome) return;
      latencies[path].push(outcome.at - sent);
      (cachedKeys.has(key) ? byCache.cached : byCache.evicted).push(outcome.at - sent);
      last = Math.max(last, outcome.at);
    });
    const resumeCpu = endCpu();
    stop();
    const resumeAllMs = last - resumeBegan;
    await sleep(3_000);
    const resumedMemory = await host.memory();
    const held = Math.min(n, host.maxCachedWorkflows);
    const resume = { gateway: summarize(latencies.gateway), direct: summarize(latencies.direct) };
    const run: WaitingAtScaleRun = {
      maxCachedWorkflows: host.maxCachedWorkflows,
      requested: options.n,
      n,
      startMs,
      startRate: (1000 * n) / startMs,
      memory: { idle, waiting, resumed: resumedMemory },
      rssPerCachedWorkflow: (waiting.rss - idle.rss) / held,
      resumeAllMs,
      resumeRate: (1000 * probe.resumedCount) / resumeAllMs,
      resume,
      p50Ratio: resume.gateway.p50 / resume.direct.p50,
      ...(heldFrom > 0 ? { byCache: { cached: summarize(byCache.cached), evicted: summarize(byCache.evicted) } } : {}),
      lost: n - probe.resumedCount,
      failedSends,
      cpu: { start: startCpu, resume: resumeCpu },
    };
    ctx.log(
      `waiting at scale (${label}): cache ${run.maxCachedWorkflows}, RSS ${(idle.rss / MiB).toFixed(0)} → ${(waiting.rss / MiB).toFixed(0)} MiB, ` +
        `resumed all in ${(resumeAllMs / 1000).toFixed(1)} s, p99 ${resume.gateway.p99.toFixed(0)}/${resume.direct.p99.toFixed(0)} ms (gateway/direct), lost ${run.lost}`,
    );
    return run;
  } finally {
    await host.stop();
  }
}

/**
 * Benchmark 5. `n` workflows waiting at once on one worker (its own process): time to start them
 * all to their waits (fewer when the time budget runs out first, and then said so), the worker's RSS, then every one resumed (every other through the gateway,
 * the rest by direct signals, at a fixed concurrency) with per-resume latency; once with the SDK's
 * default workflow cache and once with each smaller cache, where resuming means replaying.
 */
export async function runWaitingAtScale(ctx: BenchContext, options: WaitingAtScaleOptions = WAITING_DEFAULTS): Promise<WaitingAtScaleResult> {
  const runs: WaitingAtScaleRun[] = [];
  let n = options.n;
  for (const [k, cache] of options.caches.entries()) {
    const left = options.deadline === undefined ? Infinity : options.deadline - performance.now();
    const endBy = performance.now() + left / (options.caches.length - k);
    const run = await runOne(ctx, { ...options, n }, cache, cache === undefined ? 'default-cache' : `cache-${cache}`, endBy);
    runs.push({ ...run, requested: options.n });
    // Later configurations wait as many workflows as the first reached, so they compare like with like.
    n = run.n;
  }
  return { options, runs };
}
