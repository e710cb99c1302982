import type { MintingConfig } from './minting-config';
import { createCallbackTokenMinter } from '../tokens/mint-callback-token';
import { loadKeyRing, type KeyRing } from '../keys/key-ring';
import type { CallbackActivities } from '../protocol/activity-contracts';
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
export async function loadCallbackActivities(config: Pick<MintingConfig, 'token' | 'callbackBaseUrl' | 'callbackApiKey'>): Promise<CallbackActivities> {
  return callbackActivitiesFromRing(await loadKeyRing(config.token.keys), config);
}

/** The callback activities over an already loaded key ring (the plugin also describes the ring at startup). */
export function callbackActivitiesFromRing(ring: KeyRing, config: Pick<MintingConfig, 'token' | 'callbackBaseUrl' | 'callbackApiKey'>): CallbackActivities {
  return createCallbackActivities({
    minter: createCallbackTokenMinter(ring, config.token),
    callbackBaseUrl: config.callbackBaseUrl,
    callbackApiKey: config.callbackApiKey,
  });
}
