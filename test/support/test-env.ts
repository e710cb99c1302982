import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { devServer } from './dev-server';
import { dataDir } from './repo';

export { REPO_ROOT } from './repo';

/** Where the tests' own Temporal dev server listens: apart from `npm start`'s 7233. */
export const TEST_TEMPORAL_PORT = Number(process.env.DC_TEST_TEMPORAL_PORT ?? 17233);
export const TEST_TEMPORAL_UI_PORT = Number(process.env.DC_TEST_TEMPORAL_UI_PORT ?? 18233);
export const TEST_TEMPORAL_ADDRESS = `127.0.0.1:${TEST_TEMPORAL_PORT}`;
export const TEST_NAMESPACE = 'default';

/**
 * The tests' data folder, apart from `npm start`'s `.data/temporal`; one of its own for a test
 * server on another port (`DC_TEST_TEMPORAL_PORT`), so two runs never share a database or bundle.
 */
export const TEST_DATA_DIR = process.env.DC_TEST_TEMPORAL_PORT ? dataDir(`test-${TEST_TEMPORAL_PORT}`) : dataDir('test');
export const TEST_TEMPORAL_DATA_DIR = path.join(TEST_DATA_DIR, 'temporal');
export const WORKFLOW_BUNDLE_PATH = path.join(TEST_DATA_DIR, 'workflow-bundle.js');
export const SETUP_STATE_PATH = path.join(TEST_DATA_DIR, 'setup-state.json');

/** The tests' dev server, managed by `temporal-dev.sh`. */
export const testTemporal = devServer({ port: TEST_TEMPORAL_PORT, uiPort: TEST_TEMPORAL_UI_PORT, dataDir: TEST_TEMPORAL_DATA_DIR, namespace: TEST_NAMESPACE });

/**
 * The environment of a gateway started the way `durable-callbacks gateway` starts one
 * (`loadGatewayConfig`, `startGateway`), against the tests' Temporal: a random signing secret, a
 * free port, no Temporal config file, and development keys kept in the tests' data folder rather
 * than the repository's `.data/`; `extra` adds or overrides settings.
 */
export function testGatewayEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: TEST_TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: TEST_NAMESPACE,
    TEMPORAL_CONFIG_FILE: path.join(TEST_DATA_DIR, 'no-such-temporal.toml'),
    CALLBACK_SIGNING_SECRET: randomBytes(32).toString('base64url'),
    GATEWAY_PORT: '0',
    DURABLE_CALLBACKS_DATA_DIR: TEST_DATA_DIR,
    ...extra,
  };
}
