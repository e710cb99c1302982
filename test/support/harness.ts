import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, type Worker, type WorkerPlugin } from '@temporalio/worker';
import { createTicketingActivities } from '../../examples/ticket-triage/activities';
import { createGateway, type GatewayDeps } from '../../callback-gateway';
import type { GatewayServerLimits } from '../../callback-gateway/http-server';
import type { WebhookSources } from '../../callback-gateway/webhooks/webhook-sources';
import { FileApiKeyStore } from '../../api-keys';
import { importSigningKey } from '../../tokens/callback-token';
import { createJsonLogger } from '../../callback-gateway/logger';
import type { CryptoKey } from 'jose';
import { createCallbackTokenMinter, type CallbackTokenMinter } from '../../tokens/mint-callback-token';
import { createCallbackTokenVerifier } from '../../tokens/verify-callback-token';
import { createCallbackWorker } from '../../worker';
import { TEST_NAMESPACE, TEST_TEMPORAL_ADDRESS, WORKFLOW_BUNDLE_PATH } from './test-env';
import { listen } from './listen';
import { generateReceiptKey, loadReceiptKeyRing, type ReceiptKeyRing } from '../../keys/receipt-keys';
import type { NotificationConfig } from '../../config/notification-config';

let runtimeInstalled = false;
/** Installs a Runtime that logs only errors, once per process; before anything else creates one. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  // Expected workflow failures (the tests provoke them) would otherwise print WARN stack traces.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

/** Token identity used by every harness. */
export const TEST_TOKEN_IDENTITY = { issuer: 'durable-callbacks-test', audience: 'durable-callbacks-test-gateway' };

/** The issuer of the harness worker's approval receipts. */
export const TEST_RECEIPT_ISSUER = 'durable-callbacks-test';

/** Options for {@link startHarness}. */
export interface HarnessOptions {
  /** Create an API key with `workflows:execute` and give it to the worker as `CALLBACK_API_KEY`. */
  workerApiKey?: boolean;
  /** Base URL of the ticketing system for the `ticketTriage` activities. */
  ticketingUrl?: string;
  maxBodyBytes?: number;
  temporalCallTimeoutMs?: number;
  /** The gateway's bound on queries only a worker answers (the status URL, receipts). */
  queryTimeoutMs?: number;
  /** Standard Webhooks secrets by sender name. */
  signatureSecrets?: ReadonlyMap<string, Uint8Array>;
  rateLimits?: GatewayDeps['rateLimits'];
  serverLimits?: GatewayServerLimits;
  /** Provider webhook sources served at `POST /webhooks/:source`; mailboxes run on the harness's task queue. */
  webhookSources?: WebhookSources;
  /** How long the gateway holds webhook events, ms. Default 24 hours. */
  webhookHoldMs?: number;
  /** The most events one webhook source holds at once. Default 5,000. */
  webhookMaxHeldEvents?: number;
  /** Another Temporal server than the tests' shared one (e.g. one with lowered limits), as `host:port`. */
  temporalAddress?: string;
  /** Encrypt payloads with this codec in the gateway's client, the test client and the worker. */
  payloadCodec?: PayloadCodec;
  /**
   * A Temporal already connected, e.g. a time-skipping `TestWorkflowEnvironment`'s `client` and
   * `nativeConnection`: the gateway, the worker and `start` use these (its client's data converter,
   * not `payloadCodec`), and `close` leaves them open. Instead of `temporalAddress`.
   */
  temporal?: { client: Client; nativeConnection: NativeConnection };
  /** Leave the gateway without published receipt keys (its `/.well-known/jwks.json` then refuses). */
  withoutPublishedReceiptKeys?: boolean;
  /** The gateway's port (default: a free one), for settings that must name its URL before it listens (sign-in's redirect URI). */
  gatewayPort?: number;
  /** Sign-in with an OpenID Connect provider, for approvals that take signed-in votes. */
  signIn?: GatewayDeps['signIn'];
  /** Approving from Slack (`POST /approvals/slack`). */
  slack?: GatewayDeps['slack'];
  /** The worker's notification settings (mail, Slack bot, webhook secrets); without them the notification activities are not registered. */
  notifications?: NotificationConfig;
  /** Bundle these workflows when the worker starts, instead of the tests' pre-built bundle (workflows that need other plugins' bundler settings). */
  workflowsPath?: string;
  /** More worker plugins, after the package's (e.g. `AiSdkPlugin`). */
  plugins?: WorkerPlugin[];
  /** More activities, next to the ticketing ones. */
  activities?: object;
}

/** A real worker and a real gateway on a real port, against the tests' Temporal dev server. */
export interface Harness {
  client: Client;
  taskQueue: string;
  gatewayUrl: string;
  gatewayPort: number;
  apiKeys: FileApiKeyStore;
  /** The worker's API key, when created with `workerApiKey`. */
  workerApiKey?: string;
  /** Mints tokens with the harness's key, for tokens a workflow would never mint (expired, unknown workflow). */
  minter: CallbackTokenMinter;
  signingKey: CryptoKey;
  /** The worker's approval receipt keys (a fresh Ed25519 key); the gateway publishes their public parts. */
  receiptKeys: ReceiptKeyRing;
  /** Every line the gateway logged. */
  logLines: string[];
  /** Starts a workflow on the harness's task queue with a random id. */
  start<T extends (...args: any[]) => Promise<any>>(workflow: string, args?: Parameters<T>): Promise<WorkflowHandle<T>>;
  /** Starts the worker again after {@link stopWorker}. */
  startWorker(): Promise<void>;
  /** Shuts the worker down (gracefully), leaving Temporal and the gateway running. */
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a worker with the test workflows and a gateway, each fresh for one test file. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  quietRuntime();
  const taskQueue = `test-${randomUUID()}`;
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-test-'));
  const apiKeys = new FileApiKeyStore(path.join(tmp, 'api-keys.json'));
  const workerApiKey = options.workerApiKey ? (await apiKeys.create({ name: 'worker', scopes: ['workflows:execute'] })).key : undefined;
  const signingKey = await importSigningKey(randomBytes(32));
  const minter = createCallbackTokenMinter(signingKey, TEST_TOKEN_IDENTITY);
  const receiptKeyFile = path.join(tmp, 'approval-receipt-key.json');
  await fs.writeFile(receiptKeyFile, JSON.stringify(await generateReceiptKey('EdDSA')), { mode: 0o600 });
  const receiptKeys = await loadReceiptKeyRing({ kind: 'key-file', path: receiptKeyFile });

  const connection = options.temporal ? undefined : await Connection.connect({ address: options.temporalAddress ?? TEST_TEMPORAL_ADDRESS });
  const dataConverter = options.payloadCodec ? { payloadCodecs: [options.payloadCodec] } : undefined;
  const client = options.temporal?.client ?? new Client({ connection, namespace: TEST_NAMESPACE, ...(dataConverter ? { dataConverter } : {}) });
  const logLines: string[] = [];
  const app = createGateway({
    client,
    verifier: createCallbackTokenVerifier(signingKey, { ...TEST_TOKEN_IDENTITY, namespace: TEST_NAMESPACE }),
    apiKeys,
    logger: createJsonLogger({ write: (line: string) => logLines.push(line) }),
    maxBodyBytes: options.maxBodyBytes,
    temporalCallTimeoutMs: options.temporalCallTimeoutMs,
    queryTimeoutMs: options.queryTimeoutMs,
    signatureSecrets: options.signatureSecrets,
    rateLimits: options.rateLimits,
    ...(options.webhookSources ? { webhooks: { sources: options.webhookSources, taskQueue, holdMs: options.webhookHoldMs, maxHeldEvents: options.webhookMaxHeldEvents } } : {}),
    ...(options.withoutPublishedReceiptKeys ? {} : { receiptKeys: receiptKeys.published }),
    ...(options.signIn ? { signIn: options.signIn, approvalsTaskQueue: taskQueue } : {}),
    ...(options.slack ? { slack: options.slack } : {}),
  });
  const gateway = await listen(app, { maxBodyBytes: options.maxBodyBytes, ...options.serverLimits }, options.gatewayPort);
  const gatewayUrl = gateway.url;

  const nativeConnection = options.temporal?.nativeConnection ?? (await NativeConnection.connect({ address: options.temporalAddress ?? TEST_TEMPORAL_ADDRESS }));
  let running: { worker: Worker; done: Promise<void> } | undefined;
  const startWorker = async () => {
    if (running) return;
    const worker = await createCallbackWorker({
      connection: nativeConnection,
      namespace: TEST_NAMESPACE,
      taskQueue,
      ...(options.workflowsPath ? { workflowsPath: options.workflowsPath } : { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }),
      ...(options.plugins ? { plugins: options.plugins } : {}),
      callbacks: {
        minting: { minter, callbackBaseUrl: gatewayUrl, callbackApiKey: workerApiKey },
        ...(options.payloadCodec ? { payloadCodec: options.payloadCodec } : {}),
        approvalReceipts: { keys: receiptKeys, issuer: TEST_RECEIPT_ISSUER },
        ...(options.notifications ? { notifications: options.notifications } : {}),
      },
      activities: { ...createTicketingActivities(options.ticketingUrl ?? 'http://127.0.0.1:9'), ...options.activities },
    });
    running = { worker, done: worker.run() };
  };
  const stopWorker = async () => {
    if (!running) return;
    const { worker, done } = running;
    running = undefined;
    worker.shutdown();
    await done;
  };
  await startWorker();

  return {
    client,
    taskQueue,
    gatewayUrl,
    gatewayPort: gateway.port,
    apiKeys,
    workerApiKey,
    minter,
    signingKey,
    receiptKeys,
    logLines,
    start(workflow, args) {
      return client.workflow.start(workflow, { taskQueue, workflowId: `test-${randomUUID()}`, args: (args ?? []) as unknown[] }) as never;
    },
    startWorker,
    stopWorker,
    async close() {
      await stopWorker();
      if (!options.temporal) await nativeConnection.close();
      await gateway.close();
      await apiKeys.flushUsage();
      await connection?.close();
      await fs.rm(tmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}

/** How many signals a workflow has received, read from its history. */
export async function signalCount(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((event) => event.workflowExecutionSignaledEventAttributes != null).length;
}

/** POSTs `body` as JSON to `url`. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** The error body of a refused request. */
export async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return body.error;
}
