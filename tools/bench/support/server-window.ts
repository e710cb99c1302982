import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { cpuWindow, runQueueSeconds, treeCpuSeconds, type CpuSource } from './proc-cpu';
import { counter, difference, histogram, scrape, type Scrape } from './prometheus';

/**
 * What a Temporal server did over a stretch of a benchmark, from /proc and its own reports: the
 * CPU each of its processes used and how long each waited for a core, which persistence
 * operations its time went to, how long its frontend took per call, and how long history's tasks
 * and workflow locks were waited on. Read the same way from the dev server (one
 * process) and from a cluster (a process per service, plus PostgreSQL), so the two can be set side
 * by side to say what limits each.
 */

/** One process of the run: the server's, or one of its clients' (gateway, worker). */
export interface ServerProcess {
  /** `temporal` for the dev server; `frontend`, `history`, … on a cluster; `gateway`, `bench`. */
  name: string;
  cpu: CpuSource;
  /** Seconds its threads have waited for a core so far ({@link runQueueSeconds}). */
  runQueue?: () => number;
  /** Its Prometheus `/metrics`, when it has one. */
  metricsUrl?: string;
}

/** A process by pid, as {@link serverWindow} reads it; `tree` counts every process under it too (PostgreSQL's backends). */
export function processByPid(name: string, pid: number, options: { tree?: boolean; metricsUrl?: string } = {}): ServerProcess {
  return {
    name,
    cpu: options.tree ? () => treeCpuSeconds(pid) : pid,
    runQueue: () => runQueueSeconds(pid, options.tree),
    ...(options.metricsUrl ? { metricsUrl: options.metricsUrl } : {}),
  };
}

/** One operation's calls over the window. */
export interface OperationFigure {
  operation: string;
  count: number;
  meanMs: number;
  /** count × mean: where the time went. */
  totalSeconds: number;
}

/** What {@link serverWindow} read. */
export interface ServerWindowResult {
  wallSeconds: number;
  /** CPU each process used, in cores (1 = one core busy all the window). */
  cores: Record<string, number>;
  /** How long each process's threads waited for a core, per second of the window (0.5: half a thread held back all along). */
  runQueueWait: Record<string, number>;
  /** Busy share of the whole machine over the window. */
  machineBusy: number;
  /** The persistence operations that took the most time (all services added up), most first. */
  persistence: OperationFigure[];
  /** Persistence calls that failed. */
  persistenceErrors: number;
  /** The frontend's own latency for the calls a callback makes (signal, update, start, the worker's completions). */
  frontend: OperationFigure[];
  /** History tasks (transfer, timer: what dispatches a workflow task after a signal): mean ms from being written to being loaded by a queue reader. */
  historyTaskLoadMs?: number;
  /** … and from being written to being done. */
  historyTaskEndToEndMs?: number;
  /** Mean ms for history to get a workflow from its cache: waiting for the workflow's lock (its updates are serialised) and loading it on a miss. */
  historyCacheGetMs?: number;
}

/** The frontend calls a callback's path makes. */
const FRONTEND_OPERATIONS = [
  'SignalWorkflowExecution',
  'UpdateWorkflowExecution',
  'ExecuteMultiOperation',
  'StartWorkflowExecution',
  'RespondWorkflowTaskCompleted',
  'RespondActivityTaskCompleted',
];

/** Persistence operations shown: the most time-consuming this many. */
const TOP_PERSISTENCE = 6;

function byOperation(window: Scrape, metric: string, operations: readonly string[] | undefined, where: Record<string, string> = {}): OperationFigure[] {
  const names = operations ?? [...new Set([...window.keys()].filter((key) => key.startsWith(`${metric}_count{`)).map((key) => /operation="([^"]*)"/.exec(key)?.[1]).filter((x): x is string => !!x))];
  return names.flatMap((operation) => {
    const h = histogram(window, metric, { ...where, operation });
    return h ? [{ operation, count: h.count, meanMs: h.meanMs, totalSeconds: (h.count * h.meanMs) / 1000 }] : [];
  });
}

/** `key` (`name{labels}`) with a `process` label first, so equal series of two services stay apart. */
function labelled(key: string, process: string): string {
  const open = key.indexOf('{');
  if (open === -1) return `${key}{process="${process}"}`;
  const rest = key.slice(open + 1);
  return `${key.slice(0, open)}{process="${process}"${rest === '}' ? '' : ','}${rest}`;
}

/** Every process's `/metrics` in one scrape. */
async function scrapeAll(processes: readonly ServerProcess[]): Promise<Scrape> {
  const merged: Scrape = new Map();
  for (const p of processes) {
    if (!p.metricsUrl) continue;
    for (const [key, value] of await scrape(p.metricsUrl)) merged.set(labelled(key, p.name), value);
  }
  return merged;
}

/** Starts a window over `processes`; the returned function ends it and reads what happened. */
export async function serverWindow(processes: readonly ServerProcess[]): Promise<() => Promise<ServerWindowResult>> {
  const before = await scrapeAll(processes);
  const endCpu = cpuWindow(Object.fromEntries(processes.map((p) => [p.name, p.cpu])));
  const waited = () => Object.fromEntries(processes.flatMap((p) => (p.runQueue ? [[p.name, p.runQueue()]] : [])));
  const waitedBefore = waited();
  return async () => {
    const cpu = endCpu();
    const waitedAfter = waited();
    const window = difference(before, await scrapeAll(processes));
    const persistence = byOperation(window, 'persistence_latency', undefined)
      .sort((a, b) => b.totalSeconds - a.totalSeconds)
      .slice(0, TOP_PERSISTENCE);
    return {
      wallSeconds: cpu.wall,
      cores: Object.fromEntries(Object.entries(cpu.processes).map(([name, seconds]) => [name, seconds / cpu.wall])),
      runQueueWait: Object.fromEntries(Object.entries(waitedAfter).map(([name, seconds]) => [name, (seconds - waitedBefore[name]!) / cpu.wall])),
      machineBusy: cpu.machineBusy,
      persistence,
      persistenceErrors: counter(window, 'persistence_errors'),
      frontend: byOperation(window, 'service_latency', FRONTEND_OPERATIONS, { service_name: 'frontend' }),
      ...optionalMean('historyTaskLoadMs', histogram(window, 'task_latency_load')?.meanMs),
      ...optionalMean('historyTaskEndToEndMs', histogram(window, 'task_latency_queue')?.meanMs),
      ...optionalMean('historyCacheGetMs', histogram(window, 'cache_latency')?.meanMs),
    };
  };
}

function optionalMean<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

/** Where a Go service's CPU goes: shares of its profile's samples with a frame in each part of the code (parts overlap: persistence calls make syscalls). */
export const GO_PROFILE_PARTS: ReadonlyArray<readonly [string, RegExp]> = [
  ['persistence', /^go\.temporal\.io\/server\/common\/persistence/],
  ['gRPC', /^google\.golang\.org\/grpc/],
  ['protobuf', /^google\.golang\.org\/protobuf|^github\.com\/gogo\/protobuf/],
  ['metrics', /^github\.com\/uber-go\/tally|^github\.com\/prometheus|^go\.temporal\.io\/server\/common\/metrics/],
  ['allocation and GC', /^runtime\.(mallocgc|gcBgMarkWorker|gcAssistAlloc|gcDrain|bgsweep|bgscavenge)/],
  ['syscalls', /^syscall\.|^internal\/runtime\/syscall|^runtime\/internal\/syscall/],
];

/** A Go service's CPU profile over some seconds of load. */
export interface GoProfile {
  service: string;
  seconds: number;
  /** CPU the profile saw, in cores (1 = one core busy all along). */
  cores: number;
  /** Share (0–1) of the samples in each of {@link GO_PROFILE_PARTS}. */
  parts: Record<string, number>;
  /** The functions with the most samples of their own, with their share. */
  top: Array<{ name: string; share: number }>;
  /** Where the saved profile is, for `go tool pprof -http=: <file>`. */
  file: string;
}

/**
 * Reads `go tool pprof -raw` output: samples (count, value, location ids) and locations (each
 * with its functions, inlined ones on the lines after).
 */
function parseRawProfile(text: string): { period: number; samples: Array<{ count: number; locations: number[] }>; functions: Map<number, string[]> } {
  const period = Number(/^Period: (\d+)/m.exec(text)?.[1] ?? NaN);
  const samples: Array<{ count: number; locations: number[] }> = [];
  const functions = new Map<number, string[]>();
  let section: 'head' | 'samples' | 'locations' | 'rest' = 'head';
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('Samples:')) section = 'samples';
    else if (line.startsWith('Locations')) section = 'locations';
    else if (line.startsWith('Mappings')) section = 'rest';
    else if (section === 'samples') {
      const match = /^\s*(\d+)\s+\d+:\s*([\d ]+)$/.exec(line);
      if (match) samples.push({ count: Number(match[1]), locations: match[2]!.trim().split(/\s+/).map(Number) });
    } else if (section === 'locations') {
      const head = /^\s*(\d+): \S+ M=\d+ (\S+)/.exec(line);
      if (head) functions.set(Number(head[1]), (current = [head[2]!]));
      else if (current && /^\s+\S/.test(line)) current.push(line.trim().split(/\s+/)[0]!);
    }
  }
  return { period, samples, functions };
}

const run = promisify(execFile);

/**
 * Takes a `seconds`-long CPU profile from a Go service's `/debug/pprof` while the caller keeps it
 * busy, saves it to `file`, and reads it with `go tool pprof -raw` (Go is a prerequisite of this
 * repository). Undefined, with the reason logged, when either step fails.
 */
export async function goCpuProfile(service: string, pprofUrl: string, seconds: number, file: string, log: (line: string) => void): Promise<GoProfile | undefined> {
  try {
    const answer = await fetch(`${pprofUrl}/profile?seconds=${seconds}`);
    if (!answer.ok) throw new Error(`${pprofUrl}/profile answered ${answer.status}`);
    await fs.writeFile(file, Buffer.from(await answer.arrayBuffer()));
    return await summarizeGoProfile(service, seconds, file);
  } catch (err) {
    log(`no CPU profile of the ${service} service: ${(err as Error).message}`);
    return undefined;
  }
}

/** Reads a saved Go CPU profile of `seconds` with `go tool pprof -raw`: how much CPU, and where it went. */
export async function summarizeGoProfile(service: string, seconds: number, file: string): Promise<GoProfile> {
  const { stdout } = await run('go', ['tool', 'pprof', '-raw', file], { maxBuffer: 64 * 2 ** 20 });
  const { period, samples, functions } = parseRawProfile(stdout);
  const total = samples.reduce((sum, sample) => sum + sample.count, 0);
  const parts: Record<string, number> = {};
  const own = new Map<string, number>();
  for (const sample of samples) {
    const frames = sample.locations.flatMap((id) => functions.get(id) ?? []);
    for (const [part, pattern] of GO_PROFILE_PARTS) if (frames.some((name) => pattern.test(name))) parts[part] = (parts[part] ?? 0) + sample.count;
    const leaf = frames[0] ?? '(unknown)';
    own.set(leaf, (own.get(leaf) ?? 0) + sample.count);
  }
  const share = (count: number) => (total === 0 ? 0 : count / total);
  return {
    service,
    seconds,
    cores: (total * period) / 1e9 / seconds,
    parts: Object.fromEntries(GO_PROFILE_PARTS.map(([part]) => [part, share(parts[part] ?? 0)])),
    top: [...own]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([name, count]) => ({ name, share: share(count) })),
    file,
  };
}
