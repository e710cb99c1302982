/**
 * durable-callbacks for workers and clients (Node only): the Temporal plugin that installs
 * callback URL minting and payload encryption, and the sugar around it.
 *
 * @example
 * ```ts
 * import { Worker } from '@temporalio/worker';
 * import { durableCallbacksFromEnv } from 'durable-callbacks';
 *
 * const worker = await Worker.create({ taskQueue: 'callbacks', workflowsPath, plugins: [durableCallbacksFromEnv()] });
 * ```
 *
 * @packageDocumentation
 */
export { durableCallbacks, durableCallbacksFromEnv, pluginOptionsFrom, type DurableCallbacksOptions, type CallbackMintingOptions } from './plugin';
export { createCallbackWorker, type CallbackWorkerOptions } from './create-worker';
export { connectWorker } from './connect-worker';
export { createCallbackActivities, createWebhookActivities, type CallbackActivityDeps } from '../activities';
export { createCallbackTokenMinter, type CallbackTokenMinter } from '../lib/mint-callback-token';
export { loadKeyRing, type KeyRing } from '../lib/key-ring';
export {
  loadMintingConfig,
  loadWorkerConfig,
  ConfigError,
  type MintingConfig,
  type WorkerConfig,
  type TemporalConfig,
  type TokenConfig,
  type KeySource,
  type PayloadCodecConfig,
} from '../lib/config';
