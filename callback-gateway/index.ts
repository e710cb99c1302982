/**
 * The callback gateway (Node only): start it from configuration with {@link runGateway} (what
 * `durable-callbacks gateway` runs) or {@link startGateway}, or build the Express app yourself
 * with {@link createGateway} from a Temporal client, a token verifier and an API key store, and
 * listen. A Temporal client only: this entry never loads `@temporalio/worker`.
 *
 * @example
 * ```ts
 * import { createGateway, createCallbackTokenVerifier, loadGatewayConfig, loadKeyRing, FileApiKeyStore } from 'durable-callbacks/gateway';
 *
 * const config = loadGatewayConfig();
 * const verifier = createCallbackTokenVerifier(await loadKeyRing(config.token.keys), { ...config.token, namespace: config.temporal.namespace });
 * const app = createGateway({ client, verifier, apiKeys: new FileApiKeyStore(config.apiKeysFile) });
 * ```
 *
 * @packageDocumentation
 */
export { createGateway, type GatewayDeps, type GatewayWebhooks } from './create-gateway';
export { loadWebhookSources, type WebhookSource, type WebhookSources, type WebhookProvider } from './webhooks/webhook-sources';
export { runGateway, startGateway, type RunningGateway } from './server';
export { createGatewayServer, type GatewayServerLimits } from './http-server';
export { loadGatewayConfig, type GatewayConfig } from './config';
export { ConfigError } from '../config/config-error';
export { loadKeyRing, type KeyRing } from '../keys/key-ring';
export { createCallbackTokenVerifier, type CallbackTokenVerifier, type VerifierOptions } from '../tokens/verify-callback-token';
export { FileApiKeyStore, type ApiKeyInfo, type ApiKeyStore } from '../api-keys';
export { createLogger, createJsonLogger, type Logger } from './logger';
export { CallbackError, ERROR_STATUS, type CallbackErrorCode, type ErrorBody } from '../protocol/errors';
export { createTemporalClient } from '../client/create-temporal-client';
