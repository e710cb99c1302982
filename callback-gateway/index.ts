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
export { loadWebhookSources, type WebhookSource, type WebhookSources, type WebhookProvider } from '../lib/webhook-sources';
export { runGateway, startGateway, type RunningGateway } from './server';
export { createGatewayServer, type GatewayServerLimits } from './http-server';
export { loadGatewayConfig, ConfigError, type GatewayConfig } from '../lib/config';
export { loadKeyRing, type KeyRing } from '../lib/key-ring';
export { createCallbackTokenVerifier, type CallbackTokenVerifier, type VerifierOptions } from '../lib/verify-callback-token';
export { FileApiKeyStore, type ApiKeyInfo, type ApiKeyStore } from '../lib/api-keys';
export { createLogger, createJsonLogger, type Logger } from '../lib/logger';
export { CallbackError, ERROR_STATUS, type CallbackErrorCode, type ErrorBody } from '../lib/errors';
export { createTemporalClient } from '../lib/temporal-client';
