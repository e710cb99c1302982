import type { GatewayCostResult } from '../gateway-cost';
import type { MintingResult } from '../minting';
import type { ResumeLatencyResult } from '../resume-latency';
import type { ThroughputResult } from '../throughput';
import type { TraceResumeResult } from '../trace-resume';
import type { WaitingAtScaleResult } from '../waiting-at-scale';
import type { WebhookLatencyResult } from '../webhook-latency';
import { DEFAULT_MINT_WITH } from '../../workflows/create-callback';
import type { MachineInfo } from './machine';
import { latencyRow, met, ms, row } from './markdown';
import { profileMarkdown } from './profile-summary';
import { resumeSection, resumeSummaryRows, traceSection } from './report-resume';
import { webhookSection, webhookSummaryRows } from './report-webhooks';
import { fixed, median, ratio, type Summary } from './stats';

/** Everything one run measured. */
export interface BenchResults {
  resumeLatency?: ResumeLatencyResult;
  throughput?: ThroughputResult;
  gatewayCost?: GatewayCostResult;
  minting?: MintingResult;
  waitingAtScale?: WaitingAtScaleResult;
  trace?: TraceResumeResult;
  webhookLatency?: WebhookLatencyResult;
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

const MiB = 2 ** 20;

function summaryTable(results: BenchResults): string[] {
  const lines = [row(['#', 'Benchmark', 'Figure', 'Baseline', 'Result', 'Ratio vs baseline', 'Target', 'Met']), row(Array(8).fill('---'))];
  if (results.resumeLatency) lines.push(...resumeSummaryRows(results.resumeLatency));
  const r2 = results.throughput;
  if (r2) {
    lines.push(
      row([
        2,
        `Throughput @${r2.options.concurrency}`,
        `gateway ${fixed(r2.medianRate.gateway, 0)}/s`,
        `direct ${fixed(r2.medianRate.direct, 0)}/s`,
        `lost ${r2.lost}; CPU per callback ${fixed(r2.cpuPerCallback.gateway ?? NaN, 1)} vs ${fixed(r2.cpuPerCallback.direct ?? NaN, 1)} ms (capacity ${ratio(r2.capacityRatio)})`,
        ratio(r2.ratio),
        '≥ 0.90×, 0 lost',
        met(r2.ratio >= 0.9 && r2.lost === 0),
      ]),
    );
  }
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
  for (const run of results.waitingAtScale?.runs ?? []) {
    lines.push(
      row([
        5,
        `${run.n} waiting, cache ${run.maxCachedWorkflows}`,
        `start ${fixed(run.startMs / 1000, 1)} s, RSS +${fixed((run.memory.waiting.rss - run.memory.idle.rss) / MiB, 0)} MiB; resume all ${fixed(run.resumeAllMs / 1000, 1)} s, p99 gateway ${fixed(run.resume.gateway.p99, 0)} ms`,
        `p99 direct ${fixed(run.resume.direct.p99, 0)} ms`,
        `lost ${run.lost}`,
        `p50 ${ratio(run.p50Ratio)}`,
        '(info), 0 lost',
        met(run.lost === 0),
      ]),
    );
  }
  return lines;
}

function throughputSection(r: ThroughputResult): string[] {
  return [
    '### 2. Throughput',
    '',
    `${r.options.rounds} rounds of ${r.options.perRound} waiting workflows per path, each resumed once, ${r.options.concurrency} deliveries in flight, paths rotating (after a ${r.options.warmup}-workflow warm-up round each).`,
    '',
    row(['Round', 'Path', 'Resumed/s (send → last resumed)', 'Accepted/s (send → last 202)', 'Failed sends', 'Lost', 'CPU ms per callback: Temporal / gateway / bench process', 'Other processes\' CPU (s)', 'Machine busy']),
    row(Array(9).fill('---')),
    ...r.rounds.map((x, i) =>
      row([
        i + 1,
        x.path,
        fixed(x.rate, 0),
        fixed(x.ackRate, 0),
        x.failedSends,
        x.lost,
        [x.cpuPerCallback.temporal, x.cpuPerCallback.gateway, x.cpuPerCallback.bench].map((v) => fixed(v, 2)).join(' / '),
        fixed(x.cpu.others, 1),
        `${fixed(100 * x.cpu.machineBusy, 0)} %`,
      ]),
    ),
    '',
    row(['Path', 'Median resumed/s', 'ratio vs direct', 'Median accepted/s', 'ratio vs direct', 'Median gateway CPU ms per callback', 'Median total CPU ms per callback', 'capacity ratio vs direct']),
    row(Array(8).fill('---')),
    ...r.paths.map((path) => {
      const gatewayCpu = median(r.rounds.filter((x) => x.path === path).map((x) => x.cpuPerCallback.gateway));
      return row([
        path,
        fixed(r.medianRate[path] ?? NaN, 0),
        ratio((r.medianRate[path] ?? NaN) / r.medianRate.direct),
        fixed(r.medianAckRate[path] ?? NaN, 0),
        ratio((r.medianAckRate[path] ?? NaN) / r.medianAckRate.direct),
        fixed(gatewayCpu, 2),
        fixed(r.cpuPerCallback[path] ?? NaN, 2),
        ratio((r.cpuPerCallback.direct ?? NaN) / (r.cpuPerCallback[path] ?? NaN)),
      ]);
    }),
    '',
    `Total CPU = Temporal server + gateway process + bench process (in-process worker and sender). Capacity ratio = direct's total ÷ the path's: the throughput ratio a machine that is CPU-bound on these processes alone would see. ` +
      `Gateway processes at rest: ${Object.entries(r.idleCpuMsPerSecond ?? {}).map(([name, v]) => `${name} ${fixed(v, 1)} CPU-ms/s`).join(', ')}.`,
    ...(r.profiles.gateway ? ['', profileMarkdown('The gateway (as deployed) during an extra, unmeasured round', r.profiles.gateway)] : []),
    ...(r.profiles['gateway-native'] ? ['', profileMarkdown('The NativeConnection gateway (candidate) during an extra, unmeasured round', r.profiles['gateway-native'])] : []),
  ];
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

/** RSS per cached workflow from the difference between two cache sizes, which cancels what grows regardless of the cache. */
function marginalMemory(r: WaitingAtScaleResult): string[] {
  const [a, b] = r.runs;
  if (!a || !b) return [];
  const heldA = Math.min(a.n, a.maxCachedWorkflows);
  const heldB = Math.min(b.n, b.maxCachedWorkflows);
  if (heldA === heldB) return [];
  const perWorkflow = (a.memory.waiting.rss - b.memory.waiting.rss) / (heldA - heldB);
  return [
    `RSS per cached workflow, from the two cache sizes (${heldA} vs ${heldB} held while waiting): ${fixed(perWorkflow / 1024, 0)} KiB; ` +
      `a worker holding 10,000 waiting workflows in cache would need about ${fixed((a.memory.idle.rss + perWorkflow * 10_000) / 2 ** 30, 1)} GiB.`,
    '',
  ];
}

function scaleSection(r: WaitingAtScaleResult): string[] {
  const mib = (bytes: number) => fixed(bytes / MiB, 0);
  return [
    '### 5. Waiting at scale',
    '',
    `N = ${r.runs.map((x) => x.n).join(' / ')} workflows waiting at once (asked for ${r.options.n}${r.runs.some((x) => x.n < x.requested) ? '; the time budget cut the starts short' : ''}) on one worker (its own process), minting with ${r.options.mintWith ? `mintWith '${r.options.mintWith}'` : `the product's default (mintWith '${DEFAULT_MINT_WITH}')`}; started with at most ${r.options.startConcurrency} on their way to their wait at a time; resumed all with ${r.options.resumeConcurrency} resumes in flight (a lane sends its next delivery once its previous workflow ran its next step), every other one through the gateway, the rest by direct signal.`,
    '',
    row(['Cache', 'Start all (s)', 'Started/s', 'RSS idle → waiting → after (MiB)', 'heap after GC, waiting (MiB)', 'RSS per cached wf (KiB)', 'Resume all (s)', 'Resumed/s', 'p50 / p99 gateway (ms)', 'p50 / p99 direct (ms)', 'Lost']),
    row(Array(11).fill('---')),
    ...r.runs.map((x) =>
      row([
        x.maxCachedWorkflows,
        fixed(x.startMs / 1000, 1),
        fixed(x.startRate, 0),
        `${mib(x.memory.idle.rss)} → ${mib(x.memory.waiting.rss)} → ${mib(x.memory.resumed.rss)}`,
        mib(x.memory.waiting.heapUsed),
        fixed(x.rssPerCachedWorkflow / 1024, 1),
        fixed(x.resumeAllMs / 1000, 1),
        fixed(x.resumeRate, 0),
        `${fixed(x.resume.gateway.p50, 0)} / ${fixed(x.resume.gateway.p99, 0)}`,
        `${fixed(x.resume.direct.p50, 0)} / ${fixed(x.resume.direct.p99, 0)}`,
        x.lost + x.failedSends,
      ]),
    ),
    '',
    ...marginalMemory(r),
    ...r.runs.flatMap((x) =>
      x.byCache
        ? [
            `With cache ${x.maxCachedWorkflows} and N ${x.n}, the last ${x.maxCachedWorkflows} started were still cached at resume, the first ${x.n - x.maxCachedWorkflows} had been evicted (both resumed spread evenly over the run): ` +
              `per-resume p50 / p99 ${fixed(x.byCache.cached.p50, 0)} / ${fixed(x.byCache.cached.p99, 0)} ms cached vs ${fixed(x.byCache.evicted.p50, 0)} / ${fixed(x.byCache.evicted.p99, 0)} ms evicted (replayed) ` +
              `(${ratio(x.byCache.evicted.p50 / x.byCache.cached.p50)} at p50).`,
            '',
          ]
        : [],
    ),
    row(['Cache', 'Phase', 'CPU-s: Temporal', 'worker', 'gateway', 'driver', 'other processes', 'Machine busy']),
    row(Array(8).fill('---')),
    ...r.runs.flatMap((x) =>
      (['start', 'resume'] as const).map((phase) => {
        const c = x.cpu[phase];
        const p = (name: string) => fixed(c.processes[name] ?? NaN, 1);
        return row([x.maxCachedWorkflows, phase, p('temporal'), p('worker'), p('gateway'), p('bench'), fixed(c.others, 1), `${fixed(100 * c.machineBusy, 0)} %`]);
      }),
    ),
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
    ...(results.waitingAtScale ? [...scaleSection(results.waitingAtScale), ''] : []),
    ...(results.trace ? [...traceSection(results.trace), ''] : []),
  ];
  return lines.join('\n');
}
