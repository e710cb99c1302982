import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT } from './repo';

/**
 * A Temporal dev server run with `temporal-dev.sh`: the one mechanism the tests (17233), the
 * fault suite (27233) and the benchmarks (37233) use, each with its own ports and data folder,
 * apart from `npm start`'s 7233.
 */

const SCRIPT = path.join(REPO_ROOT, 'temporal-dev.sh');

/** Where a dev server listens and keeps its SQLite file, log and pid file. */
export interface DevServerOptions {
  port: number;
  uiPort: number;
  dataDir: string;
  /** `default` unless set. */
  namespace?: string;
  /**
   * Port of the server's Prometheus `/metrics` (`TEMPORAL_METRICS_PORT`): `free` picks a free one
   * at each start (known from {@link DevServer.metricsUrl}); unset, the server picks one no one knows.
   */
  metricsPort?: number | 'free';
  /** Start without the project's latency settings (`TEMPORAL_DEV_STOCK=1`), to compare against. */
  stock?: boolean;
  /** More dynamic config values (`TEMPORAL_DYNAMIC_CONFIG`), by key; values are JSON. */
  dynamicConfig?: Record<string, unknown>;
}

/** Whether a server answers on the port: `ours` (started by `temporal-dev.sh` with this data folder), `foreign`, or `down`. */
export type DevServerStatus = 'ours' | 'foreign' | 'down';

/** Receives each line `temporal-dev.sh` prints. */
export type Say = (line: string) => void;

/** A handle on one dev server; nothing runs until {@link DevServer.start}. */
export interface DevServer {
  /** `127.0.0.1:<port>` */
  readonly address: string;
  /** `http://127.0.0.1:<metricsPort>/metrics` when a metrics port was set (with `free`: once started). */
  readonly metricsUrl: string | undefined;
  readonly namespace: string;
  readonly dataDir: string;
  /** This process's environment, pointing `temporal-dev.sh` at this server. */
  env(): NodeJS.ProcessEnv;
  /** Starts the server on its data folder (or reuses one answering on the port) and waits until it answers. */
  start(say?: Say): Promise<void>;
  /** Stops the server `temporal-dev.sh` started with this data folder; its data stays. */
  stop(say?: Say): Promise<void>;
  status(): Promise<DevServerStatus>;
  /**
   * Starts the server on an empty data folder: one left running by an earlier run on this folder
   * is stopped first; a foreign server on the port is an error, since its data would not be fresh.
   */
  startFresh(say?: Say): Promise<void>;
  /** The pid of the server `temporal-dev.sh` started, from its pid file. */
  pid(): Promise<number>;
  /** Synchronous stop for exit paths (signal handlers, `process.on('exit')`): only if this process started it and has not stopped it. */
  stopSync(): void;
}

/** Writes `temporal-dev.sh`'s lines to stderr, as the script itself does. */
const toStderr: Say = (line) => process.stderr.write(`${line}\n`);

/** A free port on 127.0.0.1 (the OS's pick, released at once). */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A handle on the dev server at `options.port`, data in `options.dataDir`. */
export function devServer(options: DevServerOptions): DevServer {
  const namespace = options.namespace ?? 'default';
  let metricsPort = options.metricsPort === 'free' ? undefined : options.metricsPort;
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    TEMPORAL_PORT: String(options.port),
    TEMPORAL_UI_PORT: String(options.uiPort),
    TEMPORAL_DATA_DIR: options.dataDir,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_METRICS_PORT: metricsPort === undefined ? '' : String(metricsPort),
    TEMPORAL_DEV_STOCK: options.stock ? '1' : '',
    TEMPORAL_DYNAMIC_CONFIG: Object.entries(options.dynamicConfig ?? {})
      .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
      .join(' '),
  });
  let started = false;

  /**
   * Runs `temporal-dev.sh <command>` in its own process group (so a Ctrl-C meant for the caller
   * does not cut it short); resolves with its exit code and what it printed on stdout. Every
   * line, stdout and stderr, also goes to `say`.
   */
  const script = (command: 'start' | 'stop' | 'status', say: Say): Promise<{ code: number; stdout: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn('bash', [SCRIPT, command], { cwd: REPO_ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      for (const stream of [child.stdout, child.stderr]) readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', say);
      child.once('error', reject);
      child.once('close', (code) => resolve({ code: code ?? 1, stdout }));
    });

  const server: DevServer = {
    address: `127.0.0.1:${options.port}`,
    get metricsUrl() {
      return metricsPort === undefined ? undefined : `http://127.0.0.1:${metricsPort}/metrics`;
    },
    namespace,
    dataDir: options.dataDir,
    env,
    async start(say = toStderr) {
      started = true;
      if (options.metricsPort === 'free' && (await server.status()) === 'down') metricsPort = await freePort();
      const { code } = await script('start', say);
      if (code !== 0) throw new Error(`temporal-dev.sh start failed on port ${options.port} (exit ${code}); see its output above`);
    },
    async stop(say = toStderr) {
      const { code } = await script('stop', say);
      if (code !== 0) throw new Error(`temporal-dev.sh stop failed on port ${options.port} (exit ${code})`);
      started = false;
    },
    async status() {
      const { code, stdout } = await script('status', () => {});
      if (code !== 0) return 'down';
      return stdout.includes('not started by this script') ? 'foreign' : 'ours';
    },
    async startFresh(say = toStderr) {
      const status = await server.status();
      if (status === 'foreign') throw new Error(`A Temporal server not started with data in ${options.dataDir} already answers on ${server.address}; stop it first.`);
      if (status === 'ours') {
        say(`stopping the Temporal server left running on ${server.address} by an earlier run`);
        await server.stop(say);
      }
      await fs.rm(options.dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      await fs.mkdir(options.dataDir, { recursive: true });
      await server.start(say);
    },
    async pid() {
      return Number((await fs.readFile(path.join(options.dataDir, 'temporal.pid'), 'utf8')).trim());
    },
    stopSync() {
      if (started) spawnSync('bash', [SCRIPT, 'stop'], { cwd: REPO_ROOT, env: env(), stdio: ['ignore', 'inherit', 'inherit'], timeout: 30_000 });
      started = false;
    },
  };
  return server;
}

/** The Temporal CLI `temporal-dev.sh cli` finds, and what its `--version` prints. */
export function temporalCliVersion(): { cli: string; version: string } {
  const cli = spawnSync('bash', [SCRIPT, 'cli'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).stdout.trim();
  const version = cli ? spawnSync(cli, ['--version'], { encoding: 'utf8' }).stdout.trim() : 'unknown';
  return { cli, version };
}
