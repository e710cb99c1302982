import { armName, findArm, type ArmResult, type ResumeLatencyResult } from '../resume-latency';
import type { TraceResumeResult } from '../trace-resume';
import { SYNC_WAIT_SECONDS } from './deliver';
import { met, ms, row } from './markdown';
import { RESUME_METRICS } from './resume-metrics';
import { fixed, ratio } from './stats';

/** The report's parts for the resume benchmark and its trace (`BENCH_ONLY=trace`). */

/** Issue #13's targets. */
export const RESUME_TARGETS = {
  /** p50 and p99 of sender's send → a regular-activity next step running, through the gateway. */
  p50Ms: 10,
  p99Ms: 30,
  /** At most this share of samples above twice the p50: one mode, not two. */
  slowShare: 0.02,
  /** The hand-written async activity completion's p50 over ours, on the same server. */
  vsAsyncCompletion: 5,
  /** `Prefer: wait=N`: request → response p50. */
  syncReplyP50Ms: 10,
  /** CPU per callback (all processes) over a direct signal doing the same work. */
  cpuVsDirect: 2,
} as const;

const MAIN = 'tuned';
/** The target on the tuned server whose worker mints tokens without their execution chain (the chain check's baseline). */
export const CHAINLESS = 'chainless';

/** CPU ms per callback added up by role (Temporal, gateways, worker, driver), over every target. */
function cpuByRole(arm: ArmResult): Record<'temporal' | 'gateway' | 'worker' | 'driver', number> {
  const total = { temporal: 0, gateway: 0, worker: 0, driver: 0 };
  for (const [name, value] of Object.entries(arm.cpuMs)) {
    const role = name === 'driver' ? 'driver' : name.split('.')[1]!.startsWith('gateway') ? 'gateway' : name.split('.')[1]!;
    if (role in total) total[role as keyof typeof total] += value;
  }
  return total;
}

/** The summary table's rows for the resume benchmark: issue #13's targets, then the older gateway-vs-direct ones. */
export function resumeSummaryRows(r: ResumeLatencyResult): string[] {
  const lines: string[] = [];
  const gateway = findArm(r, MAIN, 'gateway', 'activity');
  const direct = findArm(r, MAIN, 'direct', 'activity');
  const asyncCompletion = findArm(r, MAIN, 'async-completion', 'activity');
  const sync = findArm(r, MAIN, 'gateway-sync', 'activity');
  const stock = findArm(r, 'stock', 'gateway', 'activity');
  const stockAsync = findArm(r, 'stock', 'async-completion', 'activity');
  if (gateway) {
    lines.push(row([1, 'Resume to a regular activity, p50', `gateway ${ms(gateway.resume.p50)}`, stock ? `stock server ${ms(stock.resume.p50)}` : '', 'stock ÷ tuned', stock ? ratio(stock.resume.p50 / gateway.resume.p50) : '', `≤ ${RESUME_TARGETS.p50Ms} ms`, met(gateway.resume.p50 <= RESUME_TARGETS.p50Ms)]));
    lines.push(row([1, '… p99', `gateway ${ms(gateway.resume.p99)}`, stock ? `stock server ${ms(stock.resume.p99)}` : '', '', '', `≤ ${RESUME_TARGETS.p99Ms} ms`, met(gateway.resume.p99 <= RESUME_TARGETS.p99Ms)]));
    lines.push(row([1, '… one mode', `${fixed(100 * gateway.slowShare, 1)} % of samples above 2× p50`, stock ? `stock ${fixed(100 * stock.slowShare, 1)} %` : '', '', '', `≤ ${100 * RESUME_TARGETS.slowShare} %`, met(gateway.slowShare <= RESUME_TARGETS.slowShare)]));
  }
  if (gateway && asyncCompletion) {
    const times = asyncCompletion.resume.p50 / gateway.resume.p50;
    const vsStock = stockAsync ? `; stock server's async completion ${ms(stockAsync.resume.p50)}: ${ratio(stockAsync.resume.p50 / gateway.resume.p50)}` : '';
    lines.push(row([1, '… vs async activity completion on the same server (p50)', `gateway ${ms(gateway.resume.p50)}`, `async completion ${ms(asyncCompletion.resume.p50)}`, `async ÷ gateway${vsStock}`, ratio(times), `≥ ${RESUME_TARGETS.vsAsyncCompletion}×`, met(times >= RESUME_TARGETS.vsAsyncCompletion)]));
  }
  if (sync) {
    lines.push(row([1, `Sync reply (\`Prefer: wait=${SYNC_WAIT_SECONDS}\`), request → response p50`, ms(sync.answer.p50), `202 ${gateway ? ms(gateway.answer.p50) : ''}`, `p99 ${ms(sync.answer.p99)}`, '', `≤ ${RESUME_TARGETS.syncReplyP50Ms} ms`, met(sync.answer.p50 <= RESUME_TARGETS.syncReplyP50Ms)]));
  }
  if (gateway && direct) {
    const times = gateway.cpuMsTotal / direct.cpuMsTotal;
    lines.push(row([1, 'CPU per callback, all processes', `gateway ${fixed(gateway.cpuMsTotal, 1)} ms`, `direct signal ${fixed(direct.cpuMsTotal, 1)} ms`, '', ratio(times), `≤ ${RESUME_TARGETS.cpuVsDirect}×`, met(times <= RESUME_TARGETS.cpuVsDirect)]));
  }
  const chainless = findArm(r, CHAINLESS, 'gateway', 'activity');
  if (gateway && chainless) {
    lines.push(
      row([
        1,
        'The execution-chain check: resume to a regular activity, p50 / p99',
        `chain-bound tokens ${ms(gateway.resume.p50)} / ${ms(gateway.resume.p99)}`,
        `chainless tokens ${ms(chainless.resume.p50)} / ${ms(chainless.resume.p99)}`,
        `send → 202 p50 ${ms(gateway.answer.p50)} vs ${ms(chainless.answer.p50)}; gateway CPU ${fixed(gateway.cpuMs[`${MAIN}.gateway`] ?? NaN, 2)} vs ${fixed(chainless.cpuMs[`${MAIN}.gateway`] ?? NaN, 2)} ms`,
        `p50 ${ratio(gateway.resume.p50 / chainless.resume.p50)}, p99 ${ratio(gateway.resume.p99 / chainless.resume.p99)}`,
        '(info)',
        '',
      ]),
    );
  }
  const local = findArm(r, MAIN, 'gateway', 'localActivity');
  const localDirect = findArm(r, MAIN, 'direct', 'localActivity');
  if (local && localDirect) {
    const p50Ratio = local.resume.p50 / localDirect.resume.p50;
    const added = local.resume.p99 - localDirect.resume.p99;
    lines.push(row([1, 'Resume to a local activity, p50', `gateway ${ms(local.resume.p50)}`, `direct signal ${ms(localDirect.resume.p50)}`, '', ratio(p50Ratio), '≤ 1.10×', met(p50Ratio <= 1.1)]));
    lines.push(row([1, '… p99', `gateway ${ms(local.resume.p99)}`, `direct signal ${ms(localDirect.resume.p99)}`, `${added < 0 ? '−' : '+'}${fixed(Math.abs(added))} ms`, ratio(local.resume.p99 / localDirect.resume.p99), '≤ +5 ms', met(added <= 5)]));
  }
  return lines;
}

function histogramLine(arm: ArmResult): string {
  const bands = arm.histogram.flatMap((count, band) => {
    if (count === 0) return [];
    const last = band === arm.histogram.length - 1;
    return [`${band * 5}${last ? '+' : `–${band * 5 + 5}`}: ${count}`];
  });
  return bands.join(', ');
}

/** A resume's timeline: each history event (and the driver's points), when, and the step from the point before. */
export function timelineRows(arm: ArmResult): string[] {
  const t = arm.timeline;
  if (!t) return [];
  return [
    row(['Point', 'ms after send, p50 (p90)', 'step, p50 (p90)']),
    row(['---', '---', '---']),
    ...t.steps.map((s) =>
      row([s.after ? `*${s.label}* (step from ${s.after})` : s.label, `${fixed(s.at.p50, 1)} (${fixed(s.at.p90, 1)})`, `${fixed(s.step.p50, 1)} (${fixed(s.step.p90, 1)})`]),
    ),
    '',
    `(${t.samples} of ${arm.resume.n} samples had this sequence of history events; the driver's points in italics.)`,
  ];
}

/**
 * Each target's server and worker metrics over the samples (mean ms and count per histogram),
 * with the rate of transfer tasks its history shard handled while samples ran.
 */
export function metricsTable(r: ResumeLatencyResult): string[] {
  const names = Object.keys(r.metrics);
  const lines = [row(['Metric over the samples: mean ms (count)', ...names]), row(Array(names.length + 1).fill('---'))];
  for (const spec of RESUME_METRICS) {
    const cells = names.map((name) => {
      const v = r.metrics[name]?.[spec.label];
      if (v === undefined) return '–';
      if (typeof v === 'number') return `${v} (${fixed(v / r.sampleSeconds, 1)} per s)`;
      return `${fixed(v.meanMs, 2)} (${v.count})`;
    });
    lines.push(row([spec.label, ...cells]));
  }
  return lines;
}

/** Section 1 of the report: every arm's latency, modes and CPU, then the timelines of the main arms. */
export function resumeSection(r: ResumeLatencyResult): string[] {
  const o = r.options;
  const idle = Object.entries(r.idleCpuMsPerSecond).map(([name, v]) => `${name} ${fixed(v, 1)}`).join(', ');
  const traced = r.arms.filter((a) => a.arm.next === 'activity' && a.arm.path !== 'direct');
  return [
    '### 1. Resume latency: the callback to the next step',
    '',
    `${o.samples} sequential samples per arm after ${o.warmup} warm-up, all arms interleaved sample by sample (rotating which goes first), ${o.gapMs} ms apart, each on a fresh workflow. ` +
      `"tuned" is the dev server as \`temporal-dev.sh\` starts it, "stock" the same with \`TEMPORAL_DEV_STOCK=1\`, each with its own gateway and worker process. Resume = the sender starts sending → the next step runs (stamped in the worker). ms:`,
    '',
    row(['Arm', 'n', 'p50', 'p90', 'p99', 'max', '> 2× p50', 'sender answered p50 / p99', 'CPU ms per callback: Temporal / gateway / worker / driver = total']),
    row(Array(9).fill('---')),
    ...r.arms.map((a) => {
      const c = cpuByRole(a);
      return row([
        armName(a.arm),
        a.resume.n,
        fixed(a.resume.p50),
        fixed(a.resume.p90),
        fixed(a.resume.p99),
        fixed(a.resume.max),
        `${fixed(100 * a.slowShare, 1)} %`,
        `${fixed(a.answer.p50)} / ${fixed(a.answer.p99)}`,
        `${fixed(c.temporal, 1)} / ${fixed(c.gateway, 1)} / ${fixed(c.worker, 1)} / ${fixed(c.driver, 1)} = ${fixed(a.cpuMsTotal, 1)}`,
      ]);
    }),
    '',
    'Resume latency by 5 ms band (samples per band):',
    '',
    ...r.arms.map((a) => `- ${armName(a.arm)}: ${histogramLine(a)}`),
    '',
    `CPU is counted per sample from the send to the workflow's completion, for every process of both targets and the driver, minus each process's use at rest (CPU ms per second: ${idle}). ` +
      `Waits that ended other than \`received\`: ${r.notReceived}. Over the ${fixed(r.cpu.wall, 0)} s of this benchmark the machine was ${fixed(100 * r.cpu.machineBusy, 0)} % busy; processes not ours used ${fixed(r.cpu.others, 1)} CPU-s.`,
    '',
    `Where the waits are, from the servers' and workers' own metrics over the ${fixed(r.sampleSeconds, 0)} s of samples (the starts between runs of samples left out):`,
    '',
    ...metricsTable(r),
    ...traced.flatMap((a) => ['', `#### Timeline: ${armName(a.arm)}`, '', ...timelineRows(a)]),
  ];
}

/** The trace (`BENCH_ONLY=trace`): per arm the timeline of a resume, then the metrics per candidate. */
export function traceSection(r: TraceResumeResult): string[] {
  const candidates = r.options.candidates;
  const describe = (c: (typeof candidates)[number]) => {
    const values = Object.entries(c.dynamicConfig).map(([k, v]) => `\`${k}=${JSON.stringify(v)}\``);
    return `**${c.name}**: ${c.about}${values.length ? ` (${values.join(', ')})` : ''}${c.tuning ? `; worker \`${JSON.stringify(c.tuning)}\`` : ''}`;
  };
  const lines = [
    '### Trace: where a resume waits',
    '',
    ...candidates.map((c) => `- ${describe(c)}`),
    '',
    `${r.options.latency.samples} samples per arm after ${r.options.latency.warmup} warm-up, every arm of every candidate interleaved sample by sample. Timelines: ms after the send, p50 (p90), over the samples whose history had the most common sequence of events.`,
    '',
    row(['Arm', 'resume p50', 'p90', 'p99', '> 2× p50', 'answer p50', 'CPU ms per callback']),
    row(Array(7).fill('---')),
    ...r.latency.arms.map((a) => row([armName(a.arm), fixed(a.resume.p50), fixed(a.resume.p90), fixed(a.resume.p99), `${fixed(100 * a.slowShare, 1)} %`, fixed(a.answer.p50), fixed(a.cpuMsTotal, 1)])),
  ];
  for (const arm of r.latency.arms) lines.push('', `#### ${armName(arm.arm)}`, '', ...timelineRows(arm));
  lines.push('', ...metricsTable(r.latency));
  return lines;
}
