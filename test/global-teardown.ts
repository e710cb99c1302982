import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, SETUP_STATE_PATH, temporalDevEnv } from './support/test-env';

/** Stops the test Temporal server, if the setup started it (a reused one is left running). */
export default async function globalTeardown(): Promise<void> {
  const state = JSON.parse(await fs.readFile(SETUP_STATE_PATH, 'utf8').catch(() => '{}')) as { startedTemporal?: boolean };
  if (state.startedTemporal) {
    spawnSync('bash', [path.join(REPO_ROOT, 'temporal-dev.sh'), 'stop'], { env: temporalDevEnv(), stdio: ['ignore', 'inherit', 'inherit'] });
  }
}
