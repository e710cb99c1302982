import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { REPO_ROOT, SETUP_STATE_PATH, TEST_DATA_DIR, TEST_TEMPORAL_DATA_DIR, WORKFLOW_BUNDLE_PATH, temporalDevEnv } from './support/test-env';

const script = path.join(REPO_ROOT, 'temporal-dev.sh');

/**
 * Starts the tests' own Temporal dev server (or reuses one already on the test port) and bundles
 * the workflows once, so each test file's worker starts in a second instead of re-bundling.
 */
export default async function globalSetup(): Promise<void> {
  await fs.mkdir(TEST_DATA_DIR, { recursive: true });
  const running = spawnSync('bash', [script, 'status'], { env: temporalDevEnv(), stdio: 'ignore' }).status === 0;
  if (!running) {
    // A fresh database per run keeps the test server small; nothing in it outlives the run.
    await fs.rm(TEST_TEMPORAL_DATA_DIR, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    const started = spawnSync('bash', [script, 'start'], { env: temporalDevEnv(), stdio: ['ignore', 'inherit', 'inherit'] });
    if (started.status !== 0) throw new Error(`temporal-dev.sh start failed (exit ${started.status}); see its output above.`);
  }
  await fs.writeFile(SETUP_STATE_PATH, JSON.stringify({ startedTemporal: !running }));
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  await fs.writeFile(WORKFLOW_BUNDLE_PATH, bundle.code);
}
