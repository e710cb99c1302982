/**
 * A gateway (or a bare Express app) in its own process, as it runs in production, driven by
 * bench/support/gateway-process.ts over IPC. Not an entry point of its own.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import express from 'express';
import { createGateway, type GatewayDeps } from '../../../callback-gateway';
import type { ApiKeyStore } from '../../../api-keys';
import { importSigningKey } from '../../../tokens/callback-token';
import { CallbackError } from '../../../protocol/errors';
import { createLogger, silentLogger } from '../../../callback-gateway/logger';
import { runMain } from '../../../config/run-main';
import { loadWebhookSources } from '../../../callback-gateway/webhooks/webhook-sources';
import { createCallbackTokenVerifier } from '../../../tokens/verify-callback-token';
import { quietTemporalRuntime } from './bench-worker';
import { CpuProfiler } from './cpu-profile';
import { childConfig, sendEvent, serveRequests } from './ipc';
import type { GatewayChildConfig } from './gateway-process';

/** Callbacks in the benchmarks never require a key; a request that presents one is refused. */
const noApiKeys: ApiKeyStore = {
  async verify() {
    throw new CallbackError('API_KEY_INVALID', 'The benchmark gateway has no API keys.');
  },
};

/**
 * A stand-in for the Temporal client with every call a no-op: what `signalWorkflow` uses
 * (`connection.withDeadline`, `workflow.getHandle(id).signal`) resolves at once.
 */
function stubClient(): Client {
  const handle = { signal: async () => undefined };
  return {
    connection: { withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn() },
    workflow: { getHandle: () => handle },
  } as unknown as Client;
}

/** The gateway's `webhooks` option from the child's config, with the sources file loaded as `npm run gateway` loads it. */
function webhooksOf(config: GatewayChildConfig): Pick<GatewayDeps, 'webhooks'> {
  const webhooks = config.webhooks;
  if (!webhooks) return {};
  const sources = loadWebhookSources(webhooks.sourcesFile, webhooks.env);
  return { webhooks: { sources, taskQueue: webhooks.taskQueue, ...(webhooks.holdMs === undefined ? {} : { holdMs: webhooks.holdMs }) } };
}

async function buildApp(config: GatewayChildConfig): Promise<{ app: express.Express; close(): Promise<void> }> {
  if (config.webhooks && config.mode !== 'temporal' && config.mode !== 'temporal-native') throw new Error(`a '${config.mode}' gateway cannot serve webhooks: its mailboxes need Temporal`);
  if (config.mode === 'bare') {
    // What any Express 5 JSON endpoint does at least: route, parse the body, answer.
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    app.post('/callbacks/:token', express.json(), (_req, res) => {
      res.status(202).json({ status: 'accepted' });
    });
    return { app, close: async () => undefined };
  }
  const key = await importSigningKey(Buffer.from(config.signingKey, 'base64'));
  const verifier = createCallbackTokenVerifier(key, { ...config.identity, namespace: config.namespace });
  const logger = config.logs === 'json' ? createLogger({ pretty: false }, { service: 'gateway' }) : silentLogger;
  if (config.mode === 'stub') {
    return {
      app: createGateway({ client: stubClient(), verifier, apiKeys: noApiKeys, logger, ...(config.tokenCache === 'off' ? { verifiedTokenCache: 0 } : {}) }),
      close: async () => undefined,
    };
  }
  let connection: Connection | NativeConnection;
  if (config.mode === 'temporal-native') {
    quietTemporalRuntime();
    connection = await NativeConnection.connect({ address: config.temporalAddress! });
  } else {
    connection = await Connection.connect({ address: config.temporalAddress! });
  }
  const client = new Client({ connection, namespace: config.namespace });
  return { app: createGateway({ client, verifier, apiKeys: noApiKeys, logger, ...webhooksOf(config) }), close: () => connection.close() };
}

async function main(): Promise<void> {
  const config = childConfig<GatewayChildConfig>();
  const { app, close } = await buildApp(config);
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const profiler = new CpuProfiler();
  serveRequests({
    cpu: () => process.cpuUsage(),
    memory: () => process.memoryUsage(),
    'profile-start': () => profiler.start(),
    'profile-stop': (body: { file: string }) => profiler.stop(body.file),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await close();
      setTimeout(() => process.exit(0), 20);
    },
  });
  sendEvent('started', { port });
}

runMain(main);
