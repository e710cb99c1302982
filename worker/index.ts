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
export { createCallbackTokenMinter, type CallbackTokenMinter } from '../tokens/mint-callback-token';
export { loadKeyRing, type KeyRing } from '../keys/key-ring';
export { loadMintingConfig, type MintingConfig } from '../activities/minting-config';
export { loadWorkerConfig, type WorkerConfig } from './config';
export { ConfigError } from '../config/config-error';
export { type TemporalConfig } from '../config/temporal-config';
export { type TokenConfig, type KeySource } from '../config/token-config';
export { type PayloadCodecConfig } from '../config/payload-codec-config';
