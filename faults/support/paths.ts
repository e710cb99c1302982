import path from 'node:path';

/**
 * Where the fault suite runs things: its own Temporal dev server and ports, apart from
 * `npm start` (7233/8233/8080), the tests (17233/18233) and the benchmarks (3xxxx).
 */

/** The repository's root folder. */
export const ROOT = path.resolve(__dirname, '..', '..');
/** The tsx launcher every service is started with. */
export const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
/** `temporal-dev.sh`, which starts and stops the dev server. */
export const TEMPORAL_DEV_SCRIPT = path.join(ROOT, 'temporal-dev.sh');

/** The suite's data folder (`DURABLE_CALLBACKS_DATA_DIR` of every service it starts). */
export const FAULTS_DATA_DIR = path.join(ROOT, '.data', 'faults');
/** The dev server's SQLite file, log and pid file; emptied at the start of each suite run. */
export const TEMPORAL_DATA_DIR = path.join(FAULTS_DATA_DIR, 'temporal');
/** One folder per suite run holds every service's output. */
export const LOGS_DIR = path.join(FAULTS_DATA_DIR, 'logs');

export const TEMPORAL_PORT = 27233;
export const TEMPORAL_UI_PORT = 28233;
export const TEMPORAL_ADDRESS = `127.0.0.1:${TEMPORAL_PORT}`;
export const TEMPORAL_NAMESPACE = 'default';

/** The gateway ports the suite may use (inclusive). */
export const GATEWAY_PORT_RANGE = { first: 28080, last: 28099 } as const;
