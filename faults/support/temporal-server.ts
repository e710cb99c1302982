import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import readline from 'node:readline';
import { ROOT, TEMPORAL_DATA_DIR, TEMPORAL_DEV_SCRIPT, TEMPORAL_NAMESPACE, TEMPORAL_PORT, TEMPORAL_UI_PORT } from './paths';
import { runSync } from './processes';

/**
 * The suite's own Temporal dev server, run with `temporal-dev.sh` on port 27233 with its SQLite
 * file under `.data/faults/temporal`, so stopping and starting it keeps every workflow.
 */

/** Environment that points `temporal-dev.sh` at the suite's server. */
export function temporalDevEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TEMPORAL_PORT: String(TEMPORAL_PORT),
    TEMPORAL_UI_PORT: String(TEMPORAL_UI_PORT),
    TEMPORAL_DATA_DIR,
    TEMPORAL_NAMESPACE,
  };
}

let started = false;

/**
 * Runs `temporal-dev.sh <command>` in its own process group (so a Ctrl-C meant for the suite
 * does not cut it short) and resolves with its exit code; its lines go to `say`.
 */
function temporalDev(command: 'start' | 'stop' | 'status', say: (line: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [TEMPORAL_DEV_SCRIPT, command], { cwd: ROOT, env: temporalDevEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    for (const stream of [child.stdout, child.stderr]) readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', say);
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? 1));
  });
}

/** Starts the dev server (reusing its data folder) and waits until it answers. */
export async function startTemporal(say: (line: string) => void): Promise<void> {
  started = true;
  const code = await temporalDev('start', say);
  if (code !== 0) throw new Error(`temporal-dev.sh start failed (exit ${code})`);
}

/** Stops the dev server; its data stays. */
export async function stopTemporal(say: (line: string) => void): Promise<void> {
  const code = await temporalDev('stop', say);
  if (code !== 0) throw new Error(`temporal-dev.sh stop failed (exit ${code})`);
  started = false;
}

/** Whether the dev server answers on the suite's port. */
export async function temporalIsUp(): Promise<boolean> {
  return (await temporalDev('status', () => {})) === 0;
}

/** Stops a server left by an earlier run, then empties the data folder so each run starts fresh. */
export async function freshTemporalData(say: (line: string) => void): Promise<void> {
  await stopTemporal(say);
  await fs.rm(TEMPORAL_DATA_DIR, { recursive: true, force: true });
}

/** Synchronous stop for exit paths (signal handlers, `process.on('exit')`); only if this run started it and has not stopped it. */
export function stopTemporalSync(): void {
  if (started) runSync('bash', [TEMPORAL_DEV_SCRIPT, 'stop'], temporalDevEnv());
  started = false;
}
