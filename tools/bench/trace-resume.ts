import type { BenchWorkerTuning } from './support/bench-worker';
import type { BenchContext } from './support/context';
import type { Path } from './support/deliver';
import { traceTemporal } from './support/paths';
import { startResumeTarget, type StartedTarget } from './support/resume-target';
import { runResumeLatency, type ResumeArm, type ResumeLatencyOptions, type ResumeLatencyResult } from './resume-latency';
import type { NextStep } from './workflows';

/**
 * Where a callback's time goes (`BENCH_ONLY=trace`): the resume benchmark's arms on one server per
 * candidate setting (its own gateway and worker process), all interleaved sample by sample, with
 * every sample's history read back into a timeline and the servers' and workers' own Prometheus
 * histograms diffed over the samples.
 */

/** A server (and worker) configuration to trace. */
export interface TraceCandidate {
  name: string;
  /** What it changes and why it might help. */
  about: string;
  /** Start from Temporal's defaults (`TEMPORAL_DEV_STOCK=1`) or from `temporal-dev.sh`'s settings. */
  stock: boolean;
  dynamicConfig: Record<string, unknown>;
  tuning?: BenchWorkerTuning;
}

/** The candidates `BENCH_TRACE` picks from, by name. */
export const TRACE_CANDIDATES: TraceCandidate[] = [
  { name: 'stock', about: "Temporal's defaults, the product's worker defaults", stock: true, dynamicConfig: {} },
  {
    name: 'eager',
    about: 'stock + eager activity dispatch: the activity comes back in the workflow task completion',
    stock: true,
    dynamicConfig: { 'system.enableActivityEagerExecution': true },
  },
  {
    name: 'reads',
    about: 'stock + transfer-queue reads not capped at 20 per second (the dev server has one history shard)',
    stock: true,
    dynamicConfig: { 'history.transferProcessorMaxPollRPS': 1000 },
  },
  {
    name: 'reads200',
    about: 'stock + transfer-queue reads capped at 200 per second',
    stock: true,
    dynamicConfig: { 'history.transferProcessorMaxPollRPS': 200 },
  },
  { name: 'tuned', about: "temporal-dev.sh's settings (transfer reads uncapped, eager activities), the product's worker defaults", stock: false, dynamicConfig: {} },
  {
    name: 'tuned-no-eager-worker',
    about: "temporal-dev.sh's settings, a worker that reserves no slots for eager activities",
    stock: false,
    dynamicConfig: {},
    tuning: { maxEagerActivityReservationsPerWorkflowTask: 0 },
  },
  {
    name: 'tuned-main-thread',
    about: "temporal-dev.sh's settings, workflows run on the worker's main thread (debugMode: a diagnostic of the thread hop, not a setting to use)",
    stock: false,
    dynamicConfig: {},
    tuning: { debugMode: true },
  },
];

/** Options for {@link runTraceResume}. */
export interface TraceResumeOptions {
  candidates: TraceCandidate[];
  /** The delivery paths and next steps traced on every candidate. */
  arms: Array<{ path: Path; next: NextStep }>;
  latency: ResumeLatencyOptions;
}

/** What {@link runTraceResume} measured: the resume benchmark's result over the candidates' arms. */
export interface TraceResumeResult {
  options: TraceResumeOptions;
  latency: ResumeLatencyResult;
}

/** The default arms: the shape through the gateway, its local-activity twin, and the baselines. */
export const TRACE_DEFAULT_ARMS: TraceResumeOptions['arms'] = [
  { path: 'gateway', next: 'activity' },
  { path: 'gateway', next: 'localActivity' },
  { path: 'direct', next: 'activity' },
  { path: 'async-completion', next: 'activity' },
  { path: 'gateway-sync', next: 'activity' },
];

/** Runs the trace: a server, gateway and worker per candidate, the arms on each, interleaved. */
export async function runTraceResume(ctx: BenchContext, options: TraceResumeOptions): Promise<TraceResumeResult> {
  const started: StartedTarget[] = [];
  try {
    for (const [index, candidate] of options.candidates.entries()) {
      ctx.log(`trace: starting candidate '${candidate.name}' (${candidate.about})`);
      const server = traceTemporal(index, candidate.name, { stock: candidate.stock, dynamicConfig: candidate.dynamicConfig });
      started.push(await startResumeTarget(ctx, { name: candidate.name, server, ...(candidate.tuning ? { tuning: candidate.tuning } : {}) }));
    }
    // Candidates alternate arm by arm, so every server carries the same load all along.
    const arms: ResumeArm[] = options.arms.flatMap((a) => options.candidates.map((c) => ({ target: c.name, ...a })));
    const latency = await runResumeLatency(
      ctx,
      started.map((s) => s.target),
      arms,
      options.latency,
    );
    return { options, latency };
  } finally {
    for (const s of started.reverse()) await s.stop();
  }
}
