import path from 'node:path';

/** Where the tests' own Temporal dev server listens: apart from `npm start`'s 7233. */
export const TEST_TEMPORAL_PORT = Number(process.env.DC_TEST_TEMPORAL_PORT ?? 17233);
export const TEST_TEMPORAL_UI_PORT = Number(process.env.DC_TEST_TEMPORAL_UI_PORT ?? 18233);
export const TEST_TEMPORAL_ADDRESS = `127.0.0.1:${TEST_TEMPORAL_PORT}`;
export const TEST_NAMESPACE = 'default';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** The tests' data folder, apart from `npm start`'s `.data/temporal`. */
export const TEST_DATA_DIR = path.join(REPO_ROOT, '.data', 'test');
export const TEST_TEMPORAL_DATA_DIR = path.join(TEST_DATA_DIR, 'temporal');
export const WORKFLOW_BUNDLE_PATH = path.join(TEST_DATA_DIR, 'workflow-bundle.js');
export const SETUP_STATE_PATH = path.join(TEST_DATA_DIR, 'setup-state.json');

/** Environment for `temporal-dev.sh` so it manages the test server, not the default one. */
export function temporalDevEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TEMPORAL_PORT: String(TEST_TEMPORAL_PORT),
    TEMPORAL_UI_PORT: String(TEST_TEMPORAL_UI_PORT),
    TEMPORAL_DATA_DIR: TEST_TEMPORAL_DATA_DIR,
    TEMPORAL_NAMESPACE: TEST_NAMESPACE,
  };
}
