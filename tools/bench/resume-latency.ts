import { performance } from 'node:perf_hooks';
import { sleep, withTimeout } from '../../test/support/async';
import type { BenchContext } from './support/context';
import { send, startWaiting, type Path } from './support/deliver';
import { resumeTimeline, type DeliveryAnchor, type TracePoint } from './support/history-trace';
import { processCpuSeconds, cpuWindow, type CpuWindow } from './support/proc-cpu';
import { SampleMetrics, type ResumeMetrics } from './support/resume-metrics';
import type { ResumeTarget } from './support/resume-target';
import { summarize, type Summary } from './support/stats';
import type { NextStep } from './workflows';

/** One way of resuming a waiting workflow: where, how the sender delivers, and what runs next. */
export interface ResumeArm {
  /** The {@link ResumeTarget} name: which server (and its worker and gateway). */
  target: string;
  path: Path;
  next: NextStep;
}

/** `tuned: gateway → activity` */
export function armName(arm: ResumeArm): string {
  return `${arm.target}: ${arm.path} → ${arm.next === 'activity' ? 'activity' : 'local activity'}`;
}

/** Options for {@link runResumeLatency}. */
export interface ResumeLatencyOptions {
  /** Samples per arm thrown away first. */
  warmup: number;
  /** Samples per arm kept. */
  samples: number;
  /** Workflows started (per arm) before each run of sequential samples. */
  batch: number;
  /** Pause between samples, so each one starts on a quiet system. */
  gapMs: number;
  /** Read each sample's history back into a timeline (after its CPU window closed). */
  trace: boolean;
}


/** A timeline point summarised over samples: when (after the send) and how long since the point before. */
export interface TimelineStep {
  label: string;
  at: Summary;
  /** From the previous history event (for the first: from the send), or from `after`. */
  step: Summary;
  /** For the driver's own points: the history event the step is counted from. */
  after?: string;
}

/** What one arm measured; latencies in ms. */
export interface ArmResult {
  arm: ResumeArm;
  /** Send to the workflow's next step running. */
  resume: Summary;
  /** Send to the sender's answer: `202`, the sync reply's `200`, `signal()` or `activity.complete()` returning. */
  answer: Summary;
  /** Share of samples slower than twice the p50: a second mode shows here. */
  slowShare: number;
  /** Samples per 5 ms band of resume latency (the last band holds everything slower). */
  histogram: number[];
  /** CPU ms per callback by process (`<target>.<role>`, `driver`), idle use subtracted. */
  cpuMs: Record<string, number>;
  cpuMsTotal: number;
  /** The most common sequence of history events, with when each happened; undefined without `trace`. */
  timeline?: { samples: number; steps: TimelineStep[] };
}

/** What {@link runResumeLatency} measured. */
export interface ResumeLatencyResult {
  options: ResumeLatencyOptions;
  arms: ArmResult[];
  /** Waits that ended other than `received` (must be 0). */
  notReceived: number;
  /** CPU ms per second each process used at rest before the samples (subtracted from the per-callback figures). */
  idleCpuMsPerSecond: Record<string, number>;
  /** CPU over the whole benchmark: ours per process, and the rest of the machine's. */
  cpu: CpuWindow;
  /** Seconds spent taking samples (the starts between runs of samples left out). */
  sampleSeconds: number;
  /** Each target's server and worker metrics over the samples. */
  metrics: ResumeMetrics;
}

/** The default: 30 warm-up and 200 kept samples per arm. */
export const RESUME_LATENCY_DEFAULTS: ResumeLatencyOptions = { warmup: 30, samples: 200, batch: 10, gapMs: 15, trace: true };

/** Width of a histogram band, ms, and how many bands. */
const BAND_MS = 5;
const BANDS = 24;

const anchorOf: Record<Path, DeliveryAnchor> = {
  gateway: 'signal',
  'gateway-native': 'signal',
  direct: 'signal',
  'gateway-sync': 'update',
  'async-completion': 'activity',
};

function cpuNow(pids: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuSeconds(pid)]));
}

/** One sample's trace: its history events after the delivery, and the driver's own points. */
interface SampleTrace {
  events: TracePoint[];
  own: TracePoint[];
}

function mostCommon<T>(values: readonly T[]): T {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

/**
 * The timeline of the samples whose history has the most common sequence of events: each event
 * with its step from the event before, and each of the driver's points with its step from the
 * last event before it (named in `after`), in the order of their p50.
 */
function timelineOf(traces: SampleTrace[]): ArmResult['timeline'] {
  if (traces.length === 0) return undefined;
  const shapes = new Map<string, SampleTrace[]>();
  for (const trace of traces) {
    const shape = trace.events.map((p) => p.label).join(' ');
    shapes.set(shape, [...(shapes.get(shape) ?? []), trace]);
  }
  const common = [...shapes.values()].sort((a, b) => b.length - a.length)[0]!;
  const events = common[0]!.events;
  const steps: TimelineStep[] = events.map((point, k) => ({
    label: point.label,
    at: summarize(common.map((t) => t.events[k]!.ms)),
    step: summarize(common.map((t) => t.events[k]!.ms - (k === 0 ? 0 : t.events[k - 1]!.ms))),
  }));
  common[0]!.own.forEach((point, j) => {
    const before = common.map((t) => t.events.filter((e) => e.ms <= t.own[j]!.ms).length - 1);
    steps.push({
      label: point.label,
      after: before.every((k) => k === -1) ? 'the send' : events[Math.max(0, mostCommon(before))]!.label,
      at: summarize(common.map((t) => t.own[j]!.ms)),
      step: summarize(common.map((t, i) => t.own[j]!.ms - (before[i]! === -1 ? 0 : t.events[before[i]!]!.ms))),
    });
  });
  return { samples: common.length, steps: steps.sort((a, b) => a.at.p50 - b.at.p50) };
}

/**
 * Resume latency, in the shape of issue #13: sequential samples of "the sender sends" to "the
 * workflow runs its next step", for every arm (a target × a delivery path × a next step),
 * interleaved sample by sample with the order rotating, so drift and other work on the machine
 * hit every arm alike. Each sample waits on a fresh workflow; its CPU window (every process of
 * every target, and this driver) runs from the send to the workflow's completion, and each
 * process's idle use over that window is subtracted. With `trace`, each sample's history is read
 * back into a timeline afterwards.
 */
export async function runResumeLatency(
  ctx: Pick<BenchContext, 'runId' | 'log'>,
  targets: ResumeTarget[],
  arms: ResumeArm[],
  options: ResumeLatencyOptions = RESUME_LATENCY_DEFAULTS,
): Promise<ResumeLatencyResult> {
  const metrics = new SampleMetrics(targets);
  const byName = new Map(targets.map((t) => [t.name, t]));
  const pids: Record<string, number> = { driver: process.pid };
  for (const t of targets) for (const [role, pid] of Object.entries(t.pids)) pids[`${t.name}.${role}`] = pid;

  // What each process uses at rest, per ms of wall time: 10 s, so the 10 ms ticks of /proc add up.
  const restStart = cpuNow(pids);
  const restBegan = performance.now();
  await sleep(10_000);
  const restEnd = cpuNow(pids);
  const restMs = performance.now() - restBegan;
  const idlePerMs = Object.fromEntries(Object.keys(pids).map((name) => [name, (restEnd[name]! - restStart[name]!) / restMs]));

  const total = options.warmup + options.samples;
  const resume = arms.map(() => [] as number[]);
  const answer = arms.map(() => [] as number[]);
  const cpu = arms.map(() => Object.fromEntries(Object.keys(pids).map((name) => [name, 0])));
  const traces = arms.map(() => [] as SampleTrace[]);
  let notReceived = 0;
  const endCpu = cpuWindow(pids);
  for (let first = 0; first < total; first += options.batch) {
    const indices = Array.from({ length: Math.min(options.batch, total - first) }, (_, j) => first + j);
    const keyOf = (i: number, a: number) => `${ctx.runId}-resume-${i}-${a}`;
    await Promise.all(
      arms.map((arm, a) =>
        startWaiting(
          byName.get(arm.target)!.client,
          byName.get(arm.target)!.taskQueue,
          indices.map((i) => keyOf(i, a)),
          4,
          { mintWith: 'localActivity', next: arm.next, asyncCompletion: arm.path === 'async-completion' },
        ),
      ),
    );
    await withTimeout(
      Promise.all(indices.flatMap((i) => arms.map((arm, a) => byName.get(arm.target)!.probe.whenReady(keyOf(i, a))))),
      120_000,
      'resume batch reaching its wait',
    );
    await sleep(200);
    await metrics.beforeSamples();
    for (const i of indices) {
      for (let k = 0; k < arms.length; k++) {
        const a = (k + i) % arms.length;
        const arm = arms[a]!;
        const target = byName.get(arm.target)!;
        const key = keyOf(i, a);
        const info = await target.probe.whenReady(key);
        const resumed = target.probe.whenResumed(key);
        const before = cpuNow(pids);
        const sent = performance.now();
        await send({ agent: target.agent, client: target.client, gatewayNative: target.gatewayNative }, arm.path, info, i);
        const answered = performance.now();
        const { at, status } = await withTimeout(resumed, 60_000, `workflow ${key} resuming`);
        const handle = target.client.workflow.getHandle(key);
        await handle.result();
        const windowMs = performance.now() - sent;
        const after = cpuNow(pids);
        if (status !== 'received') notReceived++;
        if (i >= options.warmup) {
          resume[a]!.push(at - sent);
          answer[a]!.push(answered - sent);
          for (const name of Object.keys(pids)) cpu[a]![name]! += after[name]! - before[name]! - idlePerMs[name]! * windowMs;
          if (options.trace) {
            const sentAt = performance.timeOrigin + sent;
            const own = [
              { label: 'sender answered', ms: answered - sent },
              { label: 'next step ran', ms: at - sent },
            ];
            traces[a]!.push({ events: await resumeTimeline(handle, anchorOf[arm.path], sentAt), own });
          }
        }
        target.probe.forget(key);
        await sleep(options.gapMs);
      }
    }
    await metrics.afterSamples();
    ctx.log(`resume latency: ${Math.min(first + options.batch, total)}/${total} samples per arm`);
  }
  return {
    options,
    arms: arms.map((arm, a) => {
      const summary = summarize(resume[a]!);
      const histogram = Array<number>(BANDS).fill(0);
      for (const ms of resume[a]!) histogram[Math.min(BANDS - 1, Math.floor(ms / BAND_MS))]!++;
      const n = resume[a]!.length;
      const cpuMs = Object.fromEntries(Object.entries(cpu[a]!).map(([name, seconds]) => [name, (1000 * seconds) / n]));
      return {
        arm,
        resume: summary,
        answer: summarize(answer[a]!),
        slowShare: resume[a]!.filter((ms) => ms > 2 * summary.p50).length / n,
        histogram,
        cpuMs,
        cpuMsTotal: Object.values(cpuMs).reduce((sum, ms) => sum + ms, 0),
        ...(options.trace ? { timeline: timelineOf(traces[a]!) } : {}),
      };
    }),
    notReceived,
    sampleSeconds: metrics.sampleMs / 1000,
    metrics: metrics.figures(),
    idleCpuMsPerSecond: Object.fromEntries(Object.entries(idlePerMs).map(([name, perMs]) => [name, perMs * 1_000_000])),
    cpu: endCpu(),
  };
}

/** The arm's result, by target, path and next step. */
export function findArm(result: ResumeLatencyResult, target: string, path: Path, next: NextStep): ArmResult | undefined {
  return result.arms.find((r) => r.arm.target === target && r.arm.path === path && r.arm.next === next);
}
