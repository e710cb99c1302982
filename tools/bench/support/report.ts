import type { GatewayCostResult } from '../gateway-cost';
import type { MintingResult } from '../minting';
import type { ResumeLatencyResult } from '../resume-latency';
import type { ThroughputResult } from '../throughput';
import type { TraceResumeResult } from '../trace-resume';
import type { WaitingAtScaleResult } from '../waiting-at-scale';
import type { ClusterBenchResult } from '../cluster';
import type { WebhookLatencyResult } from '../webhook-latency';
import { heldMemorySection, type HeldMemoryResult } from '../webhook-hold-memory';
import type { MachineInfo } from './machine';
import { latencyRow, met, ms, row } from './markdown';
import { profileMarkdown } from './profile-summary';
import { clusterSection, clusterSummaryRows } from './report-cluster';
import { scaleSection, scaleSummaryRows, throughputSection, throughputSummaryRow } from './report-load';
import { resumeSection, resumeSummaryRows, traceSection } from './report-resume';
import { webhookSection, webhookSummaryRows } from './report-webhooks';
import type { ServerWindowResult } from './server-window';
import { fixed, median, ratio, type Summary } from './stats';

/** Everything one run measured. */
export interface BenchResults {
  resumeLatency?: ResumeLatencyResult;
  throughput?: ThroughputResult;
  gatewayCost?: GatewayCostResult;
  minting?: MintingResult;
  waitingAtScale?: WaitingAtScaleResult;
  /** What the dev server did over the throughput benchmark, read as on the cluster. */
  throughputServer?: ServerWindowResult;
  cluster?: ClusterBenchResult;
  trace?: TraceResumeResult;
  webhookLatency?: WebhookLatencyResult;
  /** `BENCH_ONLY=held-memory`: worker memory per held webhook event against a waiting callback. */
  heldMemory?: HeldMemoryResult;
}

/** How the run was made. */
export interface RunInfo {
  command: string;
  machine: MachineInfo;
  /** Wall time of the benchmarks (after dependencies were checked), seconds. */
  wallSeconds: number;
  /** Environment settings that changed the run. */
  settings: Record<string, string>;
}

function summaryTable(results: BenchResults): string[] {
  const lines = [row(['#', 'Benchmark', 'Figure', 'Baseline', 'Result', 'Ratio vs baseline', 'Target', 'Met']), row(Array(8).fill('---'))];
  if (results.resumeLatency) lines.push(...resumeSummaryRows(results.resumeLatency));
  if (results.throughput) lines.push(throughputSummaryRow(results.throughput, 2, `Throughput @${results.throughput.options.concurrency}`));
  const r3 = results.gatewayCost;
  if (r3) {
    lines.push(
      row([
        3,
        `Gateway cost, Temporal stubbed @${r3.options.concurrency}`,
        `gateway ${fixed(r3.arms.gateway.rps, 0)} req/s`,
        `bare Express ${fixed(r3.arms.bare.rps, 0)} req/s`,
        `CPU/req ${fixed(r3.arms.gateway.serverCpuUsPerRequest, 0)} vs ${fixed(r3.arms.bare.serverCpuUsPerRequest, 0)} µs (${ratio(r3.cpuRatio)})`,
        ratio(r3.ratio),
        '≥ 0.70×',
        met(r3.ratio >= 0.7),
      ]),
    );
    lines.push(
      row([
        3,
        '… every token seen for the first time (no cached verification)',
        `gateway ${fixed(r3.arms['gateway-unseen'].rps, 0)} req/s`,
        `bare Express ${fixed(r3.arms.bare.rps, 0)} req/s`,
        `CPU/req ${fixed(r3.arms['gateway-unseen'].serverCpuUsPerRequest, 0)} µs (${ratio(r3.cpuRatioUnseen)})`,
        ratio(r3.ratioUnseen),
        '≥ 0.70×',
        met(r3.ratioUnseen >= 0.7),
      ]),
    );
    lines.push(
      row([
        3,
        '… with JSON request logs',
        `gateway ${fixed(r3.arms['gateway+logs'].rps, 0)} req/s`,
        `bare Express ${fixed(r3.arms.bare.rps, 0)} req/s`,
        '',
        ratio(r3.ratioWithLogs),
        '(info)',
        '',
      ]),
    );
  }
  const r4 = results.minting;
  if (r4) {
    const faster = r4.intervalRatio < 1 ? 'local activity' : 'activity';
    lines.push(
      row([
        4,
        'Minting, per mint (p50)',
        `local activity ${ms(r4.modes.localActivity.interval.p50)}`,
        `activity ${ms(r4.modes.activity.interval.p50)}`,
        `history: ${ms(r4.modes.localActivity.historyPerMint.p50)} vs ${ms(r4.modes.activity.historyPerMint.p50)}`,
        ratio(r4.intervalRatio),
        'which is faster',
        faster,
      ]),
    );
  }
  if (results.webhookLatency) lines.push(...webhookSummaryRows(results.webhookLatency));
  if (results.waitingAtScale) lines.push(...scaleSummaryRows(results.waitingAtScale, 5, ''));
  if (results.cluster) lines.push(...clusterSummaryRows(results.cluster));
  return lines;
}

function gatewayCostSection(r: GatewayCostResult): string[] {
  const arms = ['bare', 'gateway', 'gateway+logs', 'gateway-unseen'] as const;
  return [
    '### 3. Gateway cost (Temporal stubbed)',
    '',
    `${r.options.rounds} rounds of ${r.options.roundMs / 1000} s per server, ${r.options.concurrency} keep-alive connections, arms rotating; ${r.options.tokens} real tokens. Medians over rounds:`,
    '',
    row(['Server', 'req/s (min–max)', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'server CPU %', 'load generator CPU %', 'other processes CPU %']),
    row(Array(8).fill('---')),
    ...arms.map((arm) => {
      const a = r.arms[arm];
      return row([arm, `${fixed(a.rps, 0)} (${fixed(a.rpsMin, 0)}–${fixed(a.rpsMax, 0)})`, fixed(a.p50), fixed(a.p99), fixed(a.serverCpuUsPerRequest, 0), fixed(a.serverCpuPct, 0), fixed(a.loadGenCpuPct, 0), fixed(a.othersCpuPct, 0)]);
    }),
    '',
    `Throughput ratio ${ratio(r.ratio)} (with JSON logs ${ratio(r.ratioWithLogs)}; every token unseen ${ratio(r.ratioUnseen)}); CPU-per-request ratio (bare ÷ gateway) ${ratio(r.cpuRatio)} (every token unseen ${ratio(r.cpuRatioUnseen)}); non-202 answers: ${r.errors}.`,
    `The requests cycle through ${r.options.tokens} tokens, so the gateway verifies each token's signature once and then finds it in its cache of verified tokens, as for a URL's heartbeats, stream deliveries and retries; \`gateway-unseen\` turns that cache off, as if every request carried a token never seen before.`,
    ...(r.profiles.gateway ? ['', profileMarkdown('Gateway (stub client) under load', r.profiles.gateway)] : []),
    ...(r.profiles.bare ? ['', profileMarkdown('Bare Express under load', r.profiles.bare)] : []),
  ];
}

function mintingSection(r: MintingResult): string[] {
  const line = (name: string, s: Summary) => latencyRow(name, s);
  return [
    '### 4. Minting: local activity vs activity',
    '',
    `${r.options.workflows} workflows per mode (after ${r.options.warmup} warm-up), each minting ${r.options.perWorkflow} callbacks in sequence, modes alternating. ms:`,
    '',
    row(['Figure', 'n', 'p50', 'p90', 'p99', 'mean', 'max']),
    row(Array(7).fill('---')),
    line('per mint, between activity starts: activity', r.modes.activity.interval),
    line('per mint, between activity starts: local activity', r.modes.localActivity.interval),
    line('per mint, from history: activity', r.modes.activity.historyPerMint),
    line('per mint, from history: local activity', r.modes.localActivity.historyPerMint),
    line(`workflow wall time (${r.options.perWorkflow} mints): activity`, r.modes.activity.wall),
    line(`workflow wall time (${r.options.perWorkflow} mints): local activity`, r.modes.localActivity.wall),
    '',
    `Local ÷ regular: ${ratio(r.intervalRatio)} by interval, ${ratio(r.historyRatio)} by history. History events per workflow: activity ${r.modes.activity.events}, local activity ${r.modes.localActivity.events}.`,
  ];
}

/** The run as markdown: machine, summary table, then each benchmark's details and profiles. */
export function renderReport(info: RunInfo, results: BenchResults): string {
  const m = info.machine;
  const lines = [
    `## Run of ${m.date}`,
    '',
    row(['Machine', 'Value']),
    row(['---', '---']),
    row(['CPU', `${m.nproc} × ${m.cpuModel}`]),
    row(['Memory', `${fixed(m.memoryGiB, 1)} GiB`]),
    row(['Load average at start', m.loadAverage.map((x) => fixed(x, 2)).join(', ')]),
    row(['Node', m.node]),
    row(['Temporal', `\`${m.temporalCli}\` (${m.temporalCliPath})`]),
    row(['SDK', m.sdk]),
    row(['Express / jose', `${m.express} / ${m.jose}`]),
    row(['Commit measured', `${m.commit}${m.uncommitted.length ? ` + ${m.uncommitted.length} uncommitted product file(s): ${m.uncommitted.join(', ')}` : ''}`]),
    row(['Command', `\`${info.command}\``]),
    row(['Settings', Object.entries(info.settings).map(([k, v]) => `${k}=${v}`).join(', ') || 'defaults']),
    row(['Wall time of the benchmarks', `${fixed(info.wallSeconds, 0)} s`]),
    '',
    ...summaryTable(results),
    '',
    ...(results.resumeLatency ? [...resumeSection(results.resumeLatency), ''] : []),
    ...(results.throughput ? [...throughputSection(results.throughput), ''] : []),
    ...(results.gatewayCost ? [...gatewayCostSection(results.gatewayCost), ''] : []),
    ...(results.minting ? [...mintingSection(results.minting), ''] : []),
    ...(results.webhookLatency ? [...webhookSection(results.webhookLatency), ''] : []),
    ...(results.heldMemory ? ['### Worker memory: a held webhook event against a waiting callback', '', ...heldMemorySection(results.heldMemory), ''] : []),
    ...(results.waitingAtScale ? [...scaleSection(results.waitingAtScale), ''] : []),
    ...(results.cluster ? [...clusterSection(results.cluster, results.throughput, results.throughputServer), ''] : []),
    ...(results.trace ? [...traceSection(results.trace), ''] : []),
  ];
  return lines.join('\n');
}
