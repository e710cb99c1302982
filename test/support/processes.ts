import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import readline from 'node:readline';
import { REPO_ROOT, TSX } from './repo';

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
  /** Every line of output also goes to this file; without it, output is only kept in memory. */
  logFile?: string;
  /** Found in the command line of the process that runs the code (the tsx grandchild). */
  codeMarker?: string;
  /** The working folder; the repository's root unless set. */
  cwd?: string;
}

/** A running child process and what is known about it. */
export interface ManagedProcess {
  readonly name: string;
  /** The pid of the child, which is also its process group id. */
  readonly pid: number;
  /** Where the output is written, or `(memory only)`. */
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
  let log: WriteStream | undefined;
  if (options.logFile !== undefined) {
    const file = createWriteStream(options.logFile, { flags: 'a' });
    await new Promise<void>((resolve, reject) => file.once('open', () => resolve()).once('error', reject));
    log = file;
  }
  const child = spawn(options.command, options.args, { cwd: options.cwd ?? REPO_ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid === undefined) {
    log?.end();
    throw new Error(`could not start ${options.name} (${options.command})`);
  }
  const pid = child.pid;
  live.add(child);
  const lines: string[] = [];
  /** Texts a waiter saw, so they stay known after their line left the in-memory tail. */
  const seen = new Set<string>();
  const waiters = new Set<{ text: string; resolve: () => void }>();
  const onLine = (line: string) => {
    log?.write(`${line}\n`);
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
        log?.end();
        resolve(exit!);
      });
    });
    child.once('error', (err) => onLine(`could not run ${options.name}: ${err.message}`));
  });

  const managed: ManagedProcess = {
    name: options.name,
    pid,
    logFile: options.logFile ?? '(memory only)',
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

/** What {@link spawnTsx} needs: {@link SpawnOptions} without the command, which is tsx running `script`. */
export interface TsxSpawnOptions extends Omit<SpawnOptions, 'command' | 'args' | 'codeMarker'> {
  /** The TypeScript entry point, relative to the working folder, e.g. `worker/main.ts`. */
  script: string;
  args?: string[];
}

/** Starts `tsx <script>` as a {@link spawnManaged} child; a graceful signal goes to the process running `script`. */
export function spawnTsx(options: TsxSpawnOptions): Promise<ManagedProcess> {
  const { script, args = [], ...rest } = options;
  return spawnManaged({ ...rest, command: TSX, args: [script, ...args], codeMarker: script });
}

/** How a command run to completion ended, with its whole output. */
export interface CommandResult {
  /** The exit code (1 when it was killed by a signal). */
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tsx <script> <args>` to completion in the repository's root, with `env` added to this process's environment. */
export function runTsx(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(TSX, [script, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
