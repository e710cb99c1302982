import type { ThroughputResult } from '../throughput';
import type { WaitingAtScaleResult } from '../waiting-at-scale';
import { DEFAULT_MINT_WITH } from '../../../workflows/create-callback';
import { met, row } from './markdown';
import { profileMarkdown } from './profile-summary';
import { fixed, median, ratio } from './stats';

/** The report's sections for the benchmarks that load a server: throughput and waiting at scale (on the dev server and on a cluster). */

const MiB = 2 ** 20;

/** The throughput benchmark's rounds and medians under `title`. */
export function throughputSection(r: ThroughputResult, title = '### 2. Throughput'): string[] {
  return [
    title,
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

/** The waiting-at-scale benchmark's runs under `title`. */
export function scaleSection(r: WaitingAtScaleResult, title = '### 5. Waiting at scale'): string[] {
  const mib = (bytes: number) => fixed(bytes / MiB, 0);
  return [
    title,
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


/** The throughput benchmark's line in the summary table. */
export function throughputSummaryRow(r: ThroughputResult, number: number | string, name: string): string {
  return row([
    number,
    name,
    `gateway ${fixed(r.medianRate.gateway, 0)}/s`,
    `direct ${fixed(r.medianRate.direct, 0)}/s`,
    `lost ${r.lost}; CPU per callback ${fixed(r.cpuPerCallback.gateway ?? NaN, 1)} vs ${fixed(r.cpuPerCallback.direct ?? NaN, 1)} ms (capacity ${ratio(r.capacityRatio)})`,
    ratio(r.ratio),
    '≥ 0.90×, 0 lost',
    met(r.ratio >= 0.9 && r.lost === 0),
  ]);
}

/** The waiting-at-scale benchmark's lines in the summary table, one per cache size; `where` qualifies the name. */
export function scaleSummaryRows(r: WaitingAtScaleResult, number: number | string, where: string): string[] {
  return r.runs.map((run) =>
    row([
      number,
      `${run.n} waiting, cache ${run.maxCachedWorkflows}${where}`,
      `start ${fixed(run.startMs / 1000, 1)} s, RSS +${fixed((run.memory.waiting.rss - run.memory.idle.rss) / MiB, 0)} MiB; resume all ${fixed(run.resumeAllMs / 1000, 1)} s, p99 gateway ${fixed(run.resume.gateway.p99, 0)} ms`,
      `p99 direct ${fixed(run.resume.direct.p99, 0)} ms`,
      `lost ${run.lost}`,
      `p50 ${ratio(run.p50Ratio)}`,
      '(info), 0 lost',
      met(run.lost === 0),
    ]),
  );
}
