import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return NaN;
  }
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

/** Starts a CPU window over the processes `pids` (by name); call the result to end it. */
export function cpuWindow(pids: Record<string, number>): () => CpuWindow {
  const startWall = performance.now();
  const startMachine = machineCpuSeconds();
  const start = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuSeconds(pid)]));
  return () => {
    const wall = (performance.now() - startWall) / 1000;
    const machine = machineCpuSeconds();
    const processes = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuSeconds(pid) - start[name]!]));
    const ours = Object.values(processes).reduce((sum, value) => sum + (Number.isFinite(value) ? value : 0), 0);
    const busy = machine.busy - startMachine.busy;
    return { wall, processes, others: Math.max(0, busy - ours), machineBusy: busy / (machine.total - startMachine.total) };
  };
}
