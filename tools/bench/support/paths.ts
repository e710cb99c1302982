import path from 'node:path';
import { devServer, type DevServer } from '../../../test/support/dev-server';
import { temporalCluster } from '../../../test/support/temporal-cluster';
import { dataDir } from '../../../test/support/repo';

export { REPO_ROOT } from '../../../test/support/repo';

/** Everything a bench run writes: Temporal's data, the workflow bundle, profiles, results. */
export const BENCH_DATA_DIR = dataDir('bench');

/** CPU profiles of the gateway taken during the run. */
export const BENCH_PROFILE_DIR = path.join(BENCH_DATA_DIR, 'profiles');

/**
 * The bench servers' base port: 37233 (apart from npm start's 7233, the tests' 17233 and the
 * fault suite's 27233); `BENCH_TEMPORAL_PORT` moves every bench server when another run holds it.
 */
const BASE_PORT = Number(process.env.BENCH_TEMPORAL_PORT ?? 37233);

/**
 * The benchmarks' own dev server on 127.0.0.1:37233 (UI 38233, Prometheus metrics on a free port),
 * as `temporal-dev.sh` starts it by default, its data in `.data/bench/temporal`, emptied at the
 * start of every run.
 */
export const benchTemporal = devServer({ port: BASE_PORT, uiPort: BASE_PORT + 1000, metricsPort: 'free', dataDir: path.join(BENCH_DATA_DIR, 'temporal') });

/**
 * A dev server on 127.0.0.1:37243 started with `TEMPORAL_DEV_STOCK=1` (Temporal's own defaults),
 * so the resume benchmark can compare the project's settings with stock in the same run.
 */
export const benchStockTemporal = devServer({
  port: BASE_PORT + 10,
  uiPort: BASE_PORT + 1010,
  metricsPort: 'free',
  dataDir: path.join(BENCH_DATA_DIR, 'temporal-stock'),
  stock: true,
});

/**
 * The `index`-th server of the resume trace (`BENCH_ONLY=trace`) on 127.0.0.1:39233 + 10 × index
 * (metrics on a free port): stock plus `dynamicConfig`, or the project's settings plus it.
 */
export function traceTemporal(index: number, name: string, options: { stock: boolean; dynamicConfig: Record<string, unknown> }): DevServer {
  const port = BASE_PORT + 2000 + 10 * index;
  return devServer({ port, uiPort: port + 5, metricsPort: 'free', dataDir: path.join(BENCH_DATA_DIR, `temporal-trace-${name}`), ...options });
}

/**
 * The cluster benchmark's Temporal cluster (`temporal-cluster.sh`): frontend on 127.0.0.1:41233
 * (history, matching, worker on the next ports, metrics from 41253, pprof from 41263),
 * membership from 25933, PostgreSQL on 41323, its data in `.data/bench/cluster`, emptied at the
 * start of every run. All move with `BENCH_TEMPORAL_PORT`.
 */
export const benchCluster = temporalCluster({
  port: BASE_PORT + 4000,
  membershipPort: BASE_PORT - 11300,
  pgPort: BASE_PORT + 4090,
  dataDir: path.join(BENCH_DATA_DIR, 'cluster'),
});
