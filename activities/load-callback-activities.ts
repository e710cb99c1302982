import type { WorkerConfig } from '../lib/config';
import { createCallbackTokenMinter } from '../lib/mint-callback-token';
import { loadKeyRing, type KeyRing } from '../lib/key-ring';
import type { CallbackActivities } from '../workflows/types';
import { createCallbackActivities } from './generate-callback-url';

/**
 * Builds the callback activities from parsed worker configuration: loads the token key ring and
 * imports it once. The usual way to add callbacks to your own worker:
 *
 * ```ts
 * const callbacks = await loadCallbackActivities(loadWorkerConfig());
 * await Worker.create({ ..., activities: { ...callbacks, ...yours } });
 * ```
 */
export async function loadCallbackActivities(config: Pick<WorkerConfig, 'token' | 'callbackBaseUrl' | 'callbackApiKey'>): Promise<CallbackActivities> {
  return callbackActivitiesFromRing(await loadKeyRing(config.token.keys), config);
}

/** The callback activities over an already loaded key ring (the plugin also describes the ring at startup). */
export function callbackActivitiesFromRing(ring: KeyRing, config: Pick<WorkerConfig, 'token' | 'callbackBaseUrl' | 'callbackApiKey'>): CallbackActivities {
  return createCallbackActivities({
    minter: createCallbackTokenMinter(ring, config.token),
    callbackBaseUrl: config.callbackBaseUrl,
    callbackApiKey: config.callbackApiKey,
  });
}
