import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, promises as fs, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import readline from 'node:readline';
import { ROOT } from './paths';

/**
 * Child processes in their own process groups. `tsx` runs the code in a grandchild, so a
 * SIGKILL goes to the whole group; a graceful signal goes to the process running the code
 * (see {@link ManagedProcess.signalCode}). Every process started here is remembered until it
 * exits, so {@link killAllProcesses} can end them all when the suite stops, however it stops.
 */

/** How a process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What {@link spawnManaged} needs. */
export interface SpawnOptions {
  /** A short name for messages, e.g. `worker-1`. */
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Every line of output goes to this file. */
  logFile: string;
  /** Found in the command line of the process that runs the code (the tsx grandchild). */
  codeMarker?: string;
}

/** A running child process and what is known about it. */
export interface ManagedProcess {
  readonly name: string;
  /** The pid of the child, which is also its process group id. */
  readonly pid: number;
  readonly logFile: string;
  /** Resolves once the process exited and its output closed (its grandchildren are gone too). */
  readonly exited: Promise<ExitInfo>;
  isRunning(): boolean;
  /** Resolves when a line containing `text` was printed (also one printed earlier); rejects after `timeoutMs` or on exit. */
  waitForLine(text: string, timeoutMs: number): Promise<void>;
  /** Whether any line printed so far contains `text`. */
  printed(text: string): boolean;
  /**
   * Sends `signal` to the process that runs the code, as a supervisor does. Not to the group:
   * the tsx launcher relays a signal its child did not report within 30 ms, and escalates to
   * SIGKILL, so a group-wide SIGTERM on a busy machine can turn into a second signal or a kill.
   */
  signalCode(signal: NodeJS.Signals): void;
  /** SIGKILL to the whole group; resolves once it is gone. */
  kill(): Promise<ExitInfo>;
  /** The last `count` lines of output. */
  tail(count: number): string[];
}

const live = new Set<ChildProcess>();
const TAIL_LINES = 200;

/** Sends `signal` to the process group led by `pid`; false when the group is gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs every process group this module started that may still run. Synchronous, for exit paths. */
export function killAllProcesses(): number {
  let killed = 0;
  for (const child of live) {
    if (child.pid !== undefined && signalGroup(child.pid, 'SIGKILL')) killed++;
  }
  return killed;
}

/** The pids of the processes in group `pgid`, with their command lines. */
function groupMembers(pgid: number): Array<{ pid: number; cmdline: string }> {
  const members: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      members.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

/** Starts a child in its own process group, with its output in `logFile` and kept in memory. */
export async function spawnManaged(options: SpawnOptions): Promise<ManagedProcess> {
  const log: WriteStream = createWriteStream(options.logFile, { flags: 'a' });
  await new Promise<void>((resolve, reject) => log.once('open', () => resolve()).once('error', reject));
  const child = spawn(options.command, options.args, { cwd: ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid === undefined) {
    log.end();
    throw new Error(`could not start ${options.name} (${options.command})`);
  }
  const pid = child.pid;
  live.add(child);
  const lines: string[] = [];
  /** Texts a waiter saw, so they stay known after their line left the in-memory tail. */
  const seen = new Set<string>();
  const waiters = new Set<{ text: string; resolve: () => void }>();
  const onLine = (line: string) => {
    log.write(`${line}\n`);
    lines.push(line);
    if (lines.length > TAIL_LINES * 5) lines.splice(0, lines.length - TAIL_LINES);
    for (const waiter of waiters) {
      if (line.includes(waiter.text)) {
        waiters.delete(waiter);
        seen.add(waiter.text);
        waiter.resolve();
      }
    }
  };
  const outputs = [child.stdout, child.stderr].map(
    (stream) => new Promise<void>((resolve) => readline.createInterface({ input: stream!, crlfDelay: Infinity }).on('line', onLine).once('close', resolve)),
  );
  let exit: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('close', (code, signal) => {
      exit = { code, signal };
      live.delete(child);
      void Promise.all(outputs).then(() => {
        log.end();
        resolve(exit!);
      });
    });
    child.once('error', (err) => onLine(`[faults] could not run ${options.name}: ${err.message}`));
  });

  const managed: ManagedProcess = {
    name: options.name,
    pid,
    logFile: options.logFile,
    exited,
    isRunning: () => exit === undefined,
    printed: (text) => seen.has(text) || lines.some((line) => line.includes(text)),
    async waitForLine(text, timeoutMs) {
      if (managed.printed(text)) return;
      let timer: NodeJS.Timeout | undefined;
      let waiter: { text: string; resolve: () => void } | undefined;
      try {
        await Promise.race([
          new Promise<void>((resolve) => {
            waiter = { text, resolve };
            waiters.add(waiter);
          }),
          exited.then((info) => {
            throw new Error(`${options.name} exited (${describeExit(info)}) before printing "${text}"`);
          }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`${options.name} did not print "${text}" within ${timeoutMs / 1000} s`)), timeoutMs);
          }),
        ]);
      } finally {
        clearTimeout(timer);
        if (waiter) waiters.delete(waiter);
      }
    },
    signalCode(signal) {
      const code = options.codeMarker ? groupMembers(pid).find((member) => member.pid !== pid && member.cmdline.includes(options.codeMarker!)) : undefined;
      if (code) process.kill(code.pid, signal);
      else signalGroup(pid, signal);
    },
    async kill() {
      signalGroup(pid, 'SIGKILL');
      return exited;
    },
    tail: (count) => lines.slice(-count),
  };
  return managed;
}

/** "exit code 0", "signal SIGKILL". */
export function describeExit(info: ExitInfo): string {
  return info.signal ? `signal ${info.signal}` : `exit code ${info.code}`;
}

/** Waits for `processHandle` to exit within `timeoutMs`; undefined when it is still running. */
export async function exitWithin(processHandle: ManagedProcess, timeoutMs: number): Promise<ExitInfo | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
  try {
    return await Promise.race([processHandle.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a short command to completion (no group handling); for `temporal-dev.sh stop` on exit paths. */
export function runSync(command: string, args: string[], env: NodeJS.ProcessEnv): number {
  return spawnSync(command, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'], timeout: 30_000 }).status ?? 1;
}

/** Creates `dir` and its parents. */
export async function ensureDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
}
