import type { ClusterBenchResult } from '../cluster';
import type { ThroughputResult } from '../throughput';
import { row } from './markdown';
import { scaleSection, scaleSummaryRows, throughputSection, throughputSummaryRow } from './report-load';
import { GO_PROFILE_PARTS, type GoProfile, type OperationFigure, type ServerWindowResult } from './server-window';
import { fixed, ratio } from './stats';

/** The report's section for the benchmarks run again on a Temporal cluster, set beside the dev server's. */

/** The cluster's lines in the summary table. */
export function clusterSummaryRows(r: ClusterBenchResult): string[] {
  return [
    throughputSummaryRow(r.throughput, 6, `Throughput @${r.throughput.options.concurrency}, Temporal cluster`),
    ...(r.waitingAtScale ? scaleSummaryRows(r.waitingAtScale, 6, ', Temporal cluster') : []),
  ];
}

const perProcess = (figures: Record<string, number>) =>
  Object.entries(figures)
    .map(([name, value]) => `${name} ${fixed(value, 2)}`)
    .join(', ');

const operations = (figures: readonly OperationFigure[]) =>
  figures.map((f) => `${f.operation} ${fixed(f.meanMs, 1)} ms × ${f.count}`).join('; ') || '–';

const optionalMs = (value: number | undefined) => (value === undefined ? '–' : `${fixed(value, 1)} ms`);

/** One row of the side-by-side table: a figure on the dev server and on the cluster. */
type Side = { throughput: ThroughputResult; server: ServerWindowResult | undefined };

function sideBySide(dev: Side | undefined, cluster: Side): string[] {
  const cell = (side: Side | undefined, pick: (side: Side & { server: ServerWindowResult }) => string) =>
    side?.server ? pick(side as Side & { server: ServerWindowResult }) : side ? '–' : '(not run)';
  const figure = (name: string, pick: (side: Side & { server: ServerWindowResult }) => string) => row([name, cell(dev, pick), cell(cluster, pick)]);
  return [
    row(['Over the whole throughput benchmark', 'Dev server (one process, SQLite)', 'Cluster (4 services, PostgreSQL)']),
    row(['---', '---', '---']),
    figure('Median resumed/s: gateway / direct (ratio)', (s) => `${fixed(s.throughput.medianRate.gateway, 0)} / ${fixed(s.throughput.medianRate.direct, 0)} (${ratio(s.throughput.ratio)})`),
    figure('Median total CPU ms per callback: gateway / direct path', (s) => `${fixed(s.throughput.cpuPerCallback.gateway ?? NaN, 1)} / ${fixed(s.throughput.cpuPerCallback.direct ?? NaN, 1)}`),
    figure('CPU by process, cores busy on average', (s) => perProcess(s.server.cores)),
    figure('Waiting for a core, by process (thread-seconds per second)', (s) => perProcess(s.server.runQueueWait)),
    figure('Machine busy (2 cores = 100 %)', (s) => `${fixed(100 * s.server.machineBusy, 0)} %`),
    figure('Persistence: the operations that took the most time (mean × calls)', (s) => operations(s.server.persistence)),
    figure('Persistence errors', (s) => String(s.server.persistenceErrors)),
    figure("Frontend's own latency (mean × calls)", (s) => operations(s.server.frontend)),
    figure('History task written → loaded by its queue (mean)', (s) => optionalMs(s.server.historyTaskLoadMs)),
    figure('History task written → done (mean)', (s) => optionalMs(s.server.historyTaskEndToEndMs)),
    figure("History: a workflow from its cache, lock wait included (mean)", (s) => optionalMs(s.server.historyCacheGetMs)),
  ];
}

/** The services' Go profiles as one table: how busy each was, and which parts of the server its CPU went to. */
function profileTable(profiles: readonly GoProfile[]): string[] {
  const parts = GO_PROFILE_PARTS.map(([part]) => part);
  const pct = (share: number) => `${fixed(100 * share, 0)} %`;
  return [
    row(['Service', 'Cores busy', ...parts, 'Most own time']),
    row(Array(parts.length + 3).fill('---')),
    ...profiles.map((p) =>
      row([p.service, fixed(p.cores, 2), ...parts.map((part) => pct(p.parts[part] ?? 0)), p.top.slice(0, 3).map((f) => `\`${f.name}\` ${pct(f.share)}`).join(', ')]),
    ),
    '',
    `Each share counts the samples with a frame in that part of the server (they overlap: a persistence call makes syscalls). Profiles: ${profiles.map((p) => `\`${p.file.replace(/^.*\/\.data\//, '.data/')}\``).join(', ')} (\`go tool pprof -http=: <file>\`).`,
  ];
}

/**
 * The cluster's figures: the dev server's and the cluster's server-side figures over the same
 * throughput benchmark side by side, the cluster's throughput rounds and scale runs, and where
 * each service spends its CPU.
 */
export function clusterSection(r: ClusterBenchResult, devThroughput: ThroughputResult | undefined, devServer: ServerWindowResult | undefined): string[] {
  return [
    '### 6. On a Temporal cluster',
    '',
    `\`temporal-cluster.sh\` on this same machine: the Temporal server's frontend, history (4 shards), matching and worker services, each in its own process (${Object.entries(r.processes).map(([name, pid]) => `${name} ${pid}`).join(', ')}), on PostgreSQL; a gateway, a worker and a client of their own; the same benchmarks with the same baseline in the same rounds. Temporal's CPU per callback here is the four services' plus PostgreSQL's (its backends included).`,
    '',
    ...sideBySide(devThroughput ? { throughput: devThroughput, server: devServer } : undefined, { throughput: r.throughput, server: r.server }),
    '',
    ...throughputSection(r.throughput, '#### Throughput on the cluster'),
    '',
    ...(r.waitingAtScale ? [...scaleSection(r.waitingAtScale, '#### Waiting at scale on the cluster'), ''] : []),
    ...(r.profiles.length > 0
      ? [`#### Where each service spends its CPU (Go profiles over the first ${r.profiles[0]!.seconds} s of resuming an extra round through the gateway)`, '', ...profileTable(r.profiles)]
      : []),
  ];
}
