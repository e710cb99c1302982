import { spawn, spawnSync } from 'node:child_process';
import readline from 'node:readline';
import type { DevServerStatus, Say } from './dev-server';
import { REPO_ROOT } from './repo';

/**
 * A Temporal cluster run with `temporal-cluster.sh`: the real server on PostgreSQL, with the
 * frontend, history, matching and worker services each in its own process. The counterpart of
 * {@link devServer} for suites that run against a production-shaped Temporal.
 */

const SCRIPT = `${REPO_ROOT}/tools/temporal-cluster.sh`;

/** A process of the cluster that a fault can hit. */
export type ClusterService = 'frontend' | 'history' | 'matching' | 'worker' | 'postgres';

/** Where a cluster listens and keeps its data (see the port table at the top of `temporal-cluster.sh`). */
export interface TemporalClusterOptions {
  /** The frontend's gRPC port; history, matching and worker take the next three, metrics this + 20 onwards, pprof this + 30 onwards. */
  port: number;
  /** The first of four membership ports (below 32768). */
  membershipPort: number;
  pgPort: number;
  dataDir: string;
  /** `default` unless set. */
  namespace?: string;
}

/** One running process of a cluster, and where a service reports on itself. */
export interface ClusterProcess {
  service: ClusterService;
  pid: number;
  /** The service's Prometheus `/metrics` (not PostgreSQL's: it has none). */
  metricsUrl?: string;
  /** The service's Go profiler, `http://…/debug/pprof` (not PostgreSQL's). */
  pprofUrl?: string;
}

/** The services in the order of their ports (frontend at the base port, then history, matching, worker). */
const SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;

/** A handle on one cluster; nothing runs until {@link TemporalCluster.start}. */
export interface TemporalCluster {
  /** The frontend, `127.0.0.1:<port>`: what clients, workers and gateways connect to. */
  readonly address: string;
  readonly namespace: string;
  readonly dataDir: string;
  /** Starts PostgreSQL and every service that is not running (building the server once), and waits until the frontend serves. */
  start(say?: Say): Promise<void>;
  /** Stops every service and PostgreSQL; the data stays. */
  stop(say?: Say): Promise<void>;
  /** `ours` when every process of the cluster runs and the frontend serves, else `down`. */
  status(): Promise<DevServerStatus>;
  /** Deletes the cluster's data (stopping whatever runs on it) and starts it anew. */
  startFresh(say?: Say): Promise<void>;
  /** Stops one service gracefully (SIGTERM; PostgreSQL: a fast shutdown). */
  stopService(service: ClusterService, say?: Say): Promise<void>;
  /** Kills one service (SIGKILL; PostgreSQL: an immediate shutdown, as after a crash). */
  killService(service: ClusterService, say?: Say): Promise<void>;
  /** Synchronous stop for exit paths: only if this process started the cluster and has not stopped it. */
  stopSync(): void;
  /** The processes that run now (from `temporal-cluster.sh status`), PostgreSQL's postmaster included. */
  processes(): Promise<ClusterProcess[]>;
}

const toStderr: Say = (line) => process.stderr.write(`${line}\n`);

/** A handle on the cluster described by `options`. */
export function temporalCluster(options: TemporalClusterOptions): TemporalCluster {
  const namespace = options.namespace ?? 'default';
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    TEMPORAL_CLUSTER_PORT: String(options.port),
    TEMPORAL_CLUSTER_MEMBERSHIP_PORT: String(options.membershipPort),
    TEMPORAL_CLUSTER_PG_PORT: String(options.pgPort),
    TEMPORAL_CLUSTER_DATA_DIR: options.dataDir,
    TEMPORAL_NAMESPACE: namespace,
  });
  let started = false;

  /** Runs `temporal-cluster.sh <args>` in its own process group; every line it prints goes to `say`. */
  const script = (args: string[], say: Say): Promise<number> =>
    new Promise((resolve, reject) => {
      const child = spawn('bash', [SCRIPT, ...args], { cwd: REPO_ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      for (const stream of [child.stdout, child.stderr]) readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', say);
      child.once('error', reject);
      child.once('close', (code) => resolve(code ?? 1));
    });
  const run = async (args: string[], say: Say): Promise<void> => {
    const code = await script(args, say);
    if (code !== 0) throw new Error(`temporal-cluster.sh ${args.join(' ')} failed (exit ${code}); see its output above`);
  };

  const cluster: TemporalCluster = {
    address: `127.0.0.1:${options.port}`,
    namespace,
    dataDir: options.dataDir,
    async start(say = toStderr) {
      started = true;
      await run(['start'], say);
    },
    async stop(say = toStderr) {
      await run(['stop'], say);
      started = false;
    },
    async status() {
      return (await script(['status'], () => {})) === 0 ? 'ours' : 'down';
    },
    async startFresh(say = toStderr) {
      await run(['reset'], say);
      await cluster.start(say);
    },
    stopService: (service, say = toStderr) => run(['stop', service], say),
    killService: (service, say = toStderr) => run(['kill', service], say),
    async processes() {
      const lines: string[] = [];
      await script(['status'], (line) => lines.push(line));
      return lines.flatMap((line): ClusterProcess[] => {
        const match = /^(\w+): running \(pid (\d+)/.exec(line);
        if (!match) return [];
        const service = match[1] as ClusterService;
        const index = (SERVICES as readonly string[]).indexOf(service);
        const at = (offset: number) => `http://127.0.0.1:${options.port + offset + index}`;
        return [{ service, pid: Number(match[2]), ...(index === -1 ? {} : { metricsUrl: `${at(20)}/metrics`, pprofUrl: `${at(30)}/debug/pprof` }) }];
      });
    },
    stopSync() {
      if (started) spawnSync('bash', [SCRIPT, 'stop'], { cwd: REPO_ROOT, env: env(), stdio: ['ignore', 'inherit', 'inherit'], timeout: 90_000 });
      started = false;
    },
  };
  return cluster;
}
