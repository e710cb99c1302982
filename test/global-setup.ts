import { promises as fs } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { SETUP_STATE_PATH, TEST_DATA_DIR, WORKFLOW_BUNDLE_PATH, testTemporal } from './support/test-env';

/**
 * Starts the tests' own Temporal dev server (or reuses one already on the test port) and bundles
 * the workflows once, so each test file's worker starts in a second instead of re-bundling.
 */
export default async function globalSetup(): Promise<void> {
  await fs.mkdir(TEST_DATA_DIR, { recursive: true });
  const running = (await testTemporal.status()) !== 'down';
  // A fresh database per run keeps the test server small; nothing in it outlives the run.
  if (!running) await testTemporal.startFresh();
  await fs.writeFile(SETUP_STATE_PATH, JSON.stringify({ startedTemporal: !running }));
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  await fs.writeFile(WORKFLOW_BUNDLE_PATH, bundle.code);
}
