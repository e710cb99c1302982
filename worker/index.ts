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
 * Types these signatures share with the other entries are exported once, by the entry that owns
 * them: the wire types by `durable-callbacks/workflows`, the key ring, token settings and
 * `ConfigError` by `durable-callbacks/gateway`, the Temporal settings by `durable-callbacks/client`,
 * the payload codec's by `durable-callbacks/codec` (import them with `import type`, which loads nothing).
 *
 * @packageDocumentation
 */
export { durableCallbacks, durableCallbacksFromEnv, pluginOptionsFrom, type DurableCallbacksOptions, type CallbackMintingOptions } from './plugin';
export { createCallbackWorker, type CallbackWorkerOptions } from './create-worker';
export { connectWorker } from './connect-worker';
export { createCallbackActivities, type CallbackActivityDeps } from '../activities/generate-callback-url';
export { loadCallbackActivities } from '../activities/load-callback-activities';
export { createApprovalActivities, type ApprovalActivityDeps } from '../activities/sign-approval-receipt';
export { loadReceiptKeyRing, type ReceiptKeyRing, type ReceiptSigningKey, type ReceiptAlgorithm } from '../keys/receipt-keys';
export type { ReceiptSigningConfig, ReceiptKeySource } from '../config/receipt-config';
export { createCallbackTokenMinter, type CallbackTokenMinter } from '../tokens/mint-callback-token';
export { loadMintingConfig, type MintingConfig } from '../activities/minting-config';
export { loadWorkerConfig, type WorkerConfig } from './config';
export { createNotificationActivities } from '../activities/notification-activities';
export { approvalMailContent, type MailContent } from '../activities/approval-mail-content';
export { callbackMailContent } from '../activities/callback-mail-content';
export type { NotificationConfig } from '../config/notification-config';
