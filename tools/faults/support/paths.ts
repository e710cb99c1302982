import path from 'node:path';
import { devServer, type DevServer } from '../../../test/support/dev-server';
import { dataDir } from '../../../test/support/repo';
import { faultsCluster, ON_CLUSTER } from './cluster';

/**
 * Where the fault suite runs things: its own Temporal dev server and ports, apart from
 * `npm start` (7233/8233/8080), the tests (17233/18233) and the benchmarks (3xxxx).
 */

/** The suite's data folder (`DURABLE_CALLBACKS_DATA_DIR` of every service it starts). */
export const FAULTS_DATA_DIR = dataDir('faults');
/** One folder per suite run holds every service's output. */
export const LOGS_DIR = path.join(FAULTS_DATA_DIR, 'logs');

/** What the suite does with its Temporal: a dev server, or with `--cluster` a cluster (`faults/support/cluster.ts`). */
export type SuiteTemporal = Pick<DevServer, 'address' | 'namespace' | 'dataDir' | 'start' | 'stop' | 'status' | 'startFresh' | 'stopSync'>;

/**
 * The suite's dev server on 127.0.0.1:27233, its SQLite file, log and pid file under
 * `.data/faults/temporal` (emptied at the start of each suite run), so stopping and starting it
 * keeps every workflow; with `--cluster`, the suite's cluster instead.
 */
/**
 * History limits far below Temporal's defaults (50 MB, 51,200 events), as an operator may set
 * them: `webhook-worker-down` sends more data for one key than one history may hold, which only a
 * design that holds no key's events in a single history survives.
 */
export const FAULTS_HISTORY_LIMITS = {
  'limit.historySize.error': 2 * 1024 * 1024,
  'limit.historySize.warn': 1024 * 1024,
  'limit.historySize.suggestContinueAsNew': 1536 * 1024,
};

export const temporal: SuiteTemporal = ON_CLUSTER
  ? faultsCluster
  : devServer({ port: 27233, uiPort: 28233, dataDir: path.join(FAULTS_DATA_DIR, 'temporal'), dynamicConfig: FAULTS_HISTORY_LIMITS });

/** The gateway ports the suite may use (inclusive). */
export const GATEWAY_PORT_RANGE = { first: 28080, last: 28099 } as const;
