/**
 * The callback gateway (Node only): start it from configuration with {@link runGateway} (what
 * `durable-callbacks gateway` runs) or {@link startGateway}, or build the Express app yourself
 * with {@link createGateway} from a Temporal client, a token verifier and an API key store, and
 * listen. A Temporal client only: this entry never loads `@temporalio/worker`. The key ring, the
 * token settings and the refusal vocabulary are exported here once, for workers too; the Temporal
 * client (`createTemporalClient`) and `ConfigError` come from `durable-callbacks/client`.
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
export type { KeyTemplate, KeyTemplatePart } from './webhooks/webhook-key-template';
export { runGateway, startGateway, type RunningGateway } from './server';
export { createGatewayServer, type GatewayServerLimits } from './http-server';
export type { GatewayRateLimits, RateLimit } from './rate-limiter';
export type { PublishedKeysSource } from '../config/receipt-config';
export { loadPublishedReceiptKeys, type PublishedReceiptKeys, type PublicReceiptJwk } from '../keys/receipt-keys';
export { loadGatewayConfig, type GatewayConfig, type GatewayAppConfig, type SignInConfig } from './config';
export type { SignInSettings } from './sign-in/sign-in';
export type { SlackApprovalSettings } from './routes/slack-approvals';
export type { TokenConfig, KeySource, SigningSecretSource } from '../config/token-config';
export { loadKeyRing, type KeyRing, type SigningKey, type SigningAlgorithm, type EncryptionKey, type TokenFormat } from '../keys/key-ring';
export { createCallbackTokenVerifier, type CallbackTokenVerifier, type VerifierOptions } from '../tokens/verify-callback-token';
export type { CallbackClaims, TokenIdentity } from '../tokens/callback-token';
export { FileApiKeyStore, type CreateApiKeyOptions } from '../api-keys/file-api-key-store';
export type { ApiKeyInfo, ApiKeyRecord, ApiKeyStore } from '../api-keys/api-key-store';
export { createLogger, type Logger, type LogFields } from './logger';
export { CallbackError, ERROR_STATUS, type CallbackErrorCode, type CallbackErrorOptions, type ErrorBody } from '../protocol/errors';
