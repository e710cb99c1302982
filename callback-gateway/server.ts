import { once } from 'node:events';
import type { Server } from 'node:http';
import { FileApiKeyStore } from '../api-keys';
import { ConfigError } from '../config/config-error';
import { loadGatewayConfig, type GatewayConfig } from './config';
import { describeKeySetup, KEY_SETUP_MESSAGE } from '../tokens/describe-key-setup';
import { createLogger, describeError, type Logger } from './logger';
import { runMain } from '../config/run-main';
import { loadKeyRing } from '../keys/key-ring';
import { createTemporalClient } from '../client/create-temporal-client';
import { createCallbackTokenVerifier } from '../tokens/verify-callback-token';
import { createGateway } from './create-gateway';
import { createGatewayServer } from './http-server';
import { decodeStandardWebhooksSecret } from './standard-webhooks';
import { describeReceiptKeySource, loadPublishedReceiptKeys, RECEIPT_KEYS_MESSAGE } from '../keys/receipt-keys';
import type { SignInConfig } from './config';
import { loadSessionSecret } from './sign-in/session-secret';
import { OIDC_CALLBACK_PATH } from './sign-in/oidc-sign-in';
import type { SignInSettings } from './sign-in/sign-in';

/** How long shutdown waits for in-flight requests. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** A running gateway and how to stop it. */
export interface RunningGateway {
  server: Server;
  url: string;
  close(): Promise<void>;
}

function decodeSignatureSecrets(secrets: ReadonlyMap<string, string>): Map<string, Uint8Array> {
  const keys = new Map<string, Uint8Array>();
  for (const [sender, secret] of secrets) {
    try {
      keys.set(sender, decodeStandardWebhooksSecret(secret));
    } catch (err) {
      throw new ConfigError(`WEBHOOK_SECRETS: the secret for '${sender}' is not usable: ${(err as Error).message}.`);
    }
  }
  return keys;
}

/**
 * Says at startup which Standard Webhooks senders the gateway can check: a callback created with
 * `requireSignature` for any other sender is refused until its secret is added.
 */
function reportSignatureSenders(secrets: ReadonlyMap<string, unknown>, logger: Logger): void {
  const senders = [...secrets.keys()];
  if (senders.length === 0) {
    logger.warn(
      'WEBHOOK_SECRETS is empty: callbacks created with requireSignature will be refused with 503 SIGNATURE_SENDER_NOT_CONFIGURED until their sender\'s secret is added',
    );
    return;
  }
  // A configured list is no warning: warnings on every healthy start teach operators to skip them.
  logger.info('Standard Webhooks senders with a secret (callbacks requiring any other are refused with 503 SIGNATURE_SENDER_NOT_CONFIGURED)', { senders });
}

/**
 * Loads the session secret of sign-in and says at startup what sign-in is set up with (issuer,
 * client id, redirect URI; never the client secret or the session secret), or that approvals
 * taking signed-in votes will be refused.
 */
async function prepareSignIn(config: SignInConfig | undefined, defaulted: readonly string[], logger: Logger): Promise<SignInSettings | undefined> {
  if (!config) {
    logger.info('sign-in is off (OIDC_ISSUER is unset): approvals that take signed-in votes are refused with 503 SIGN_IN_NOT_CONFIGURED');
    return undefined;
  }
  const sessionSecret = await loadSessionSecret(config.sessionSecret);
  const mark = (name: string, value: string) => (defaulted.includes(name) ? `${value} (default)` : value);
  logger.info('sign-in with OpenID Connect', {
    issuer: config.issuer,
    clientId: config.clientId,
    redirectUri: mark('GATEWAY_PUBLIC_URL', `${config.publicUrl}${OIDC_CALLBACK_PATH}`),
    groupsClaim: mark('OIDC_GROUPS_CLAIM', config.groupsClaim),
    // Named so the log's redaction of secret-looking names (session, secret) keeps it: it says where, never what.
    keyFrom: config.sessionSecret.kind === 'env' ? 'SESSION_SECRET' : `${config.sessionSecret.path} (default)`,
  });
  const { sessionSecret: _source, ...settings } = config;
  return { ...settings, sessionSecret };
}

/**
 * Starts the gateway from parsed configuration: loads and imports the signing key and the
 * published receipt keys once, opens a
 * lazy Temporal connection (the gateway starts, and `/readyz` says unready, while Temporal is
 * down; it reconnects by itself), and listens.
 */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningGateway> {
  const { signatureSecrets: encodedSecrets, webhooks, signIn: signInConfig, ...app } = config.app;
  const signatureSecrets = decodeSignatureSecrets(encodedSecrets);
  reportSignatureSenders(signatureSecrets, logger);
  const signIn = await prepareSignIn(signInConfig, config.defaultedSettings ?? [], logger);
  const ring = await loadKeyRing(config.token.keys);
  const receiptKeys = config.receiptKeys ? await loadPublishedReceiptKeys(config.receiptKeys) : undefined;
  const { client, connection } = await createTemporalClient(config.temporal);
  const expressApp = createGateway({
    client,
    verifier: createCallbackTokenVerifier(ring, { ...config.token, namespace: config.temporal.namespace }),
    apiKeys: new FileApiKeyStore(config.apiKeysFile),
    logger,
    ...app,
    signatureSecrets,
    ...(webhooks ? { webhooks: { ...webhooks, taskQueue: config.temporal.taskQueue } } : {}),
    ...(receiptKeys ? { receiptKeys } : {}),
    ...(signIn ? { signIn, approvalsTaskQueue: config.temporal.taskQueue } : {}),
  });
  const server = createGatewayServer(expressApp, config.server);
  const { host, port: configuredPort } = config.listen;
  server.listen(configuredPort, host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : configuredPort;
  const url = `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`;
  const listenDefaults = ['GATEWAY_HOST', 'GATEWAY_PORT'].filter((name) => config.defaultedSettings?.includes(name));
  // One line to put beside the worker's: a key mismatch shows as different fingerprints.
  logger.info(KEY_SETUP_MESSAGE, {
    ...describeKeySetup(ring, { source: config.token.keys, issuer: config.token.issuer, audience: config.token.audience, ...(config.defaultedSettings ? { defaultedSettings: config.defaultedSettings } : {}) }),
    url: listenDefaults.length > 0 ? `${url} (default ${listenDefaults.join(', ')})` : url,
  });
  // Beside the worker's line of the same name: the published kids must include its active kid.
  const published = { source: describeReceiptKeySource(config.receiptKeys), kids: receiptKeys?.keys.map((key) => key.kid) ?? [], url: `${url}/.well-known/jwks.json` };
  // Which workspaces' clicks count, never the signing secret.
  if (app.slack) logger.info('approving from Slack', { url: `${url}/approvals/slack`, teams: app.slack.teamIds, ...(app.slack.responseUrlOrigins ? { standInResponseOrigins: app.slack.responseUrlOrigins } : {}) });
  if (receiptKeys) logger.info(RECEIPT_KEYS_MESSAGE, published);
  else logger.warn(`${RECEIPT_KEYS_MESSAGE}: none published; approval receipts cannot be verified against this gateway until APPROVAL_RECEIPT_PUBLIC_KEYS_FILE is set`, published);
  return {
    server,
    url,
    async close() {
      // Stop accepting, let in-flight requests finish (each is bounded by the Temporal call timeout).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections that finish their last request during shutdown are closed as
      // soon as they fall idle, not when their keep-alive expires.
      server.closeIdleConnections();
      const sweeper = setInterval(() => server.closeIdleConnections(), 100);
      const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearInterval(sweeper);
      clearTimeout(timer);
      await connection.close();
    },
  };
}

/**
 * `durable-callbacks gateway`: reads the configuration from the environment,
 * starts the gateway and stops it gracefully on SIGINT/SIGTERM.
 */
export async function runGateway(): Promise<void> {
  const config = loadGatewayConfig();
  const logger = createLogger({ pretty: process.stdout.isTTY || process.env.LOG_FORMAT === 'pretty' }, { service: 'gateway' });
  const gateway = await startGateway(config, logger);
  logger.info('gateway listening', { url: gateway.url, temporal: config.temporal.connection.address, namespace: config.temporal.namespace });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('gateway stopping', { signal });
    gateway.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('gateway did not stop cleanly', { error: describeError(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) runMain(runGateway);
