import { importSigningKey } from '../lib/callback-token';
import type { WorkerConfig } from '../lib/config';
import { createCallbackTokenMinter } from '../lib/mint-callback-token';
import { loadSigningSecret } from '../lib/signing-secret';
import type { CallbackActivities } from '../workflows/types';
import { createCallbackActivities } from './generate-callback-url';

/**
 * Builds the callback activities from parsed worker configuration: loads the signing secret and
 * imports it once. The usual way to add callbacks to your own worker:
 *
 * ```ts
 * const callbacks = await loadCallbackActivities(loadWorkerConfig());
 * await Worker.create({ ..., activities: { ...callbacks, ...yours } });
 * ```
 */
export async function loadCallbackActivities(config: Pick<WorkerConfig, 'token' | 'callbackBaseUrl' | 'callbackApiKey'>): Promise<CallbackActivities> {
  const key = await importSigningKey(await loadSigningSecret(config.token.signingSecret));
  return createCallbackActivities({
    minter: createCallbackTokenMinter(key, config.token),
    callbackBaseUrl: config.callbackBaseUrl,
    callbackApiKey: config.callbackApiKey,
  });
}
