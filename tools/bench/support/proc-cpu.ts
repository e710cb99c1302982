import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU accounting from /proc: how much CPU each process of the benchmark used over a window, and
 * how much the rest of the machine (other agents' work) used meanwhile. On a shared 2-core
 * machine this says whether a figure was taken on a quiet or a busy machine.
 */

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU seconds (user + system) process `pid` has used so far, or NaN when it is gone. */
export function processCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / clockTicks() : NaN;
}

/** The fields of `/proc/<pid>/stat` after the command name, or undefined when the process is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used so far by `pid` and every process under it: its own, what its children that
 * ended used (the kernel adds it to the parent when it reaps them), and what its live descendants
 * used. For a server that forks a process per connection (PostgreSQL), whose own figure would
 * leave out nearly all of its work. NaN when `pid` is gone.
 */
export function treeCpuSeconds(pid: number): number {
  const own = statFields(pid);
  if (!own) return NaN;
  const withReaped = (fields: string[]) => Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  let ticks = withReaped(own);
  for (const child of descendants(pid)) {
    const fields = statFields(child);
    if (fields) ticks += withReaped(fields);
  }
  return ticks / clockTicks();
}

/** Every live process under `pid` (children, their children, …), from the parent ids in `/proc`. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (!fields) continue;
    const parent = Number(fields[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const pending = [...(children.get(pid) ?? [])];
  while (pending.length > 0) {
    const child = pending.pop()!;
    found.push(child);
    pending.push(...(children.get(child) ?? []));
  }
  return found;
}

/**
 * Seconds the threads of `pid` (and with `withDescendants`, of every live process under it) have
 * spent runnable but waiting for a core, from `/proc/<pid>/task/<tid>/schedstat`: on a machine
 * with more runnable threads than cores, the time a process is held back by the others. Threads
 * that ended take their share with them. NaN when `pid` is gone.
 */
export function runQueueSeconds(pid: number, withDescendants = false): number {
  const own = threadsWaitedSeconds(pid);
  if (!withDescendants || Number.isNaN(own)) return own;
  return descendants(pid).reduce((sum, child) => sum + (threadsWaitedSeconds(child) || 0), own);
}

/** The run-queue wait of one process's threads so far, seconds; NaN when it is gone. */
function threadsWaitedSeconds(pid: number): number {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return NaN;
  }
  let nanoseconds = 0;
  for (const task of tasks) {
    try {
      nanoseconds += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[1]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return nanoseconds / 1e9;
}

/** What a CPU window counts under one name: a process (its pid), or a sum the caller computes (CPU seconds so far). */
export type CpuSource = number | (() => number);

/** CPU seconds `source` has used so far (NaN when a process of it is gone). */
export function cpuSeconds(source: CpuSource): number {
  return typeof source === 'number' ? processCpuSeconds(source) : source();
}

/** Busy and total CPU seconds of the whole machine so far (all cores). */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: (total - idle - iowait) / clockTicks(), total: total / clockTicks() };
}

/** CPU used over a window, seconds. */
export interface CpuWindow {
  /** Wall seconds of the window. */
  wall: number;
  /** CPU seconds per named process of ours. */
  processes: Record<string, number>;
  /** Every process on the machine that is not ours. */
  others: number;
  /** Busy share of the whole machine over the window (1 = every core busy). */
  machineBusy: number;
}

/** Starts a CPU window over the processes `pids` (by name; none counted twice); call the result to end it. */
export function cpuWindow(pids: Record<string, CpuSource>): () => CpuWindow {
  const startWall = performance.now();
  const startMachine = machineCpuSeconds();
  const start = Object.fromEntries(Object.entries(pids).map(([name, source]) => [name, cpuSeconds(source)]));
  return () => {
    const wall = (performance.now() - startWall) / 1000;
    const machine = machineCpuSeconds();
    const processes = Object.fromEntries(Object.entries(pids).map(([name, source]) => [name, cpuSeconds(source) - start[name]!]));
    const ours = Object.values(processes).reduce((sum, value) => sum + (Number.isFinite(value) ? value : 0), 0);
    const busy = machine.busy - startMachine.busy;
    return { wall, processes, others: Math.max(0, busy - ours), machineBusy: busy / (machine.total - startMachine.total) };
  };
}
