import { promises as fs } from 'node:fs';
import { SETUP_STATE_PATH, testTemporal } from './support/test-env';

/** Stops the test Temporal server, if the setup started it (a reused one is left running). */
export default async function globalTeardown(): Promise<void> {
  const state = JSON.parse(await fs.readFile(SETUP_STATE_PATH, 'utf8').catch(() => '{}')) as { startedTemporal?: boolean };
  if (state.startedTemporal) await testTemporal.stop();
}
