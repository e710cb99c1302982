import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './paths';

/** The benchmarks' own dev server: apart from npm start (7233), the tests (17233) and the fault suite (27233). */
export const BENCH_TEMPORAL_PORT = 37233;
/** The bench dev server's web UI port. */
export const BENCH_TEMPORAL_UI_PORT = 38233;
/** Where the bench dev server listens (loopback only). */
export const BENCH_TEMPORAL_ADDRESS = `127.0.0.1:${BENCH_TEMPORAL_PORT}`;
/** The namespace every benchmark uses. */
export const BENCH_NAMESPACE = 'default';

const SCRIPT = path.join(REPO_ROOT, 'temporal-dev.sh');

/** Environment for `temporal-dev.sh` so it manages the bench server and nothing else. */
export function benchTemporalEnv(dataDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TEMPORAL_PORT: String(BENCH_TEMPORAL_PORT),
    TEMPORAL_UI_PORT: String(BENCH_TEMPORAL_UI_PORT),
    TEMPORAL_DATA_DIR: dataDir,
    TEMPORAL_NAMESPACE: BENCH_NAMESPACE,
  };
}

function script(command: string, dataDir: string, capture = false): { status: number | null; stdout: string } {
  const result = spawnSync('bash', [SCRIPT, command], {
    env: benchTemporalEnv(dataDir),
    stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { status: result.status, stdout: result.stdout ?? '' };
}

/** A dev server this run started, on a fresh data folder. */
export interface BenchTemporal {
  address: string;
  namespace: string;
  dataDir: string;
  /** The server's process id (for CPU accounting). */
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts the bench dev server on a fresh data folder. A server left over from an earlier bench
 * run (its pid file in `dataDir`) is stopped first; a foreign server on the port is an error, since
 * its data would not be fresh.
 */
export async function startBenchTemporal(dataDir: string): Promise<BenchTemporal> {
  const status = script('status', dataDir, true);
  if (status.status === 0) {
    if (status.stdout.includes('not started by this script')) {
      throw new Error(`A Temporal server not started by the benchmark already answers on ${BENCH_TEMPORAL_ADDRESS}; stop it first.`);
    }
    console.error('[bench] stopping a bench Temporal server left over from an earlier run');
    script('stop', dataDir);
  }
  await fs.rm(dataDir, { recursive: true, force: true });
  await fs.mkdir(dataDir, { recursive: true });
  const started = script('start', dataDir);
  if (started.status !== 0) throw new Error(`temporal-dev.sh start failed (exit ${started.status}); see its output above.`);
  const pid = Number((await fs.readFile(path.join(dataDir, 'temporal.pid'), 'utf8')).trim());
  return {
    address: BENCH_TEMPORAL_ADDRESS,
    namespace: BENCH_NAMESPACE,
    dataDir,
    pid,
    async stop() {
      script('stop', dataDir);
    },
  };
}

/** What `temporal --version` prints for the CLI `temporal-dev.sh cli` finds, and that CLI's path. */
export function temporalVersion(): { cli: string; version: string } {
  const cli = spawnSync('bash', [SCRIPT, 'cli'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).stdout.trim();
  const version = cli ? spawnSync(cli, ['--version'], { encoding: 'utf8' }).stdout.trim() : 'unknown';
  return { cli, version };
}
