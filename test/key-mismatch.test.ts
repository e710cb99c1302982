import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startGateway, type RunningGateway } from '../callback-gateway/server';
import { loadGatewayConfig } from '../callback-gateway/config';
import { KEY_SETUP_MESSAGE } from '../tokens/describe-key-setup';
import { RECEIPT_KEYS_MESSAGE } from '../keys/receipt-keys';
import { createJsonLogger } from '../callback-gateway/logger';
import { postJson } from './support/harness';
import { spawnTsx, type ManagedProcess } from './support/processes';
import { TEST_NAMESPACE, TEST_TEMPORAL_ADDRESS } from './support/test-env';
import { waitForCallbackUrl } from './support/wait-for-callback-url';

/**
 * What a new user sees when the worker and the gateway hold different signing secrets: the sender
 * gets `401 CALLBACK_TOKEN_INVALID` as before, the gateway's request line says the signature of
 * key `default` failed, and the two startup lines show different fingerprints to compare. The
 * worker is `durable-callbacks worker` in a process of its own; the gateway starts as
 * `durable-callbacks gateway` does, from its environment.
 */

type Logged = { level: string; msg: string; [field: string]: unknown };

const workerSecret = randomBytes(32).toString('base64');
const gatewaySecret = randomBytes(32).toString('base64');
const taskQueue = `key-mismatch-${randomUUID()}`;

let dir: string;
let gateway: RunningGateway;
let worker: ManagedProcess | undefined;
let connection: Connection;
let client: Client;
const logged: Logged[] = [];
const rawGatewayLines: string[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-key-mismatch-'));
  const config = loadGatewayConfig({
    TEMPORAL_ADDRESS: TEST_TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: TEST_NAMESPACE,
    TEMPORAL_CONFIG_FILE: path.join(dir, 'no-temporal.toml'),
    CALLBACK_SIGNING_SECRET: gatewaySecret,
    DURABLE_CALLBACKS_DATA_DIR: dir,
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
  });
  gateway = await startGateway(
    config,
    createJsonLogger({
      write: (line: string) => {
        rawGatewayLines.push(line);
        logged.push(JSON.parse(line) as Logged);
      },
    }),
  );
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('CALLBACK_') || name.startsWith('TEMPORAL_') || name.startsWith('APPROVAL_RECEIPT_')) delete env[name];
  worker = await spawnTsx({
    name: 'key-mismatch-worker',
    script: 'cli/main.ts',
    args: ['worker'],
    env: {
      ...env,
      TEMPORAL_ADDRESS: TEST_TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: TEST_NAMESPACE,
      TEMPORAL_CONFIG_FILE: path.join(dir, 'no-temporal.toml'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      CALLBACK_SIGNING_SECRET: workerSecret,
      CALLBACK_BASE_URL: gateway.url,
      DURABLE_CALLBACKS_DATA_DIR: dir,
    },
  });
  await worker.waitForLine(`${KEY_SETUP_MESSAGE}:`, 90_000);
  connection = await Connection.connect({ address: TEST_TEMPORAL_ADDRESS });
  client = new Client({ connection, namespace: TEST_NAMESPACE });
}, 120_000);

afterAll(async () => {
  await worker?.kill();
  await connection?.close();
  await gateway?.close();
  await fs.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

/** The fingerprint of key `default` in the worker's startup line. */
function workerFingerprint(): string {
  const line = worker!.tail(200).find((text) => text.includes(`${KEY_SETUP_MESSAGE}:`));
  expect(line).toBeDefined();
  return /default HS256 fingerprint ([0-9a-f]{12})/.exec(line!)![1]!;
}

describe('a worker and a gateway with different signing secrets', () => {
  test('each startup line names its key source and shows a different fingerprint for key default', () => {
    const workerLine = worker!.tail(200).find((text) => text.includes(`${KEY_SETUP_MESSAGE}:`))!;
    expect(workerLine).toContain('source: env secret (CALLBACK_SIGNING_SECRET)');
    expect(workerLine).toContain(`base URL: ${gateway.url}`);
    expect(workerLine).not.toContain(`base URL: ${gateway.url} (default)`);
    expect(workerLine).toContain('issuer: durable-callbacks (default)');

    const startup = logged.filter((entry) => entry.msg === KEY_SETUP_MESSAGE);
    expect(startup).toHaveLength(1);
    expect(startup[0]).toMatchObject({ level: 'info', keySource: 'env secret (CALLBACK_SIGNING_SECRET)', keys: [{ kid: 'default', alg: 'HS256', active: true }] });
    const gatewayFingerprint = (startup[0]!.keys as Array<{ fingerprint: string }>)[0]!.fingerprint;
    expect(gatewayFingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(workerFingerprint()).not.toBe(gatewayFingerprint);
  });

  test('both start with the one development receipt key of their data folder: the worker marks it (default) with its kid, the gateway publishes that kid', async () => {
    await worker!.waitForLine(`${RECEIPT_KEYS_MESSAGE}:`, 30_000);
    const workerLine = worker!.tail(200).find((text) => text.includes(`${RECEIPT_KEYS_MESSAGE}:`))!;
    const devKey = path.join(dir, 'dev-approval-receipt-key.json');
    expect(workerLine).toContain(`source: generated dev key at ${devKey} (default)`);
    expect(workerLine).toContain('issuer: durable-callbacks (default)');
    const kid = /active: ([A-Za-z0-9_-]{43}) EdDSA/.exec(workerLine)![1]!;
    const published = logged.filter((entry) => entry.msg === RECEIPT_KEYS_MESSAGE);
    expect(published).toEqual([expect.objectContaining({ level: 'info', source: `generated dev key at ${devKey} (default)`, kids: [kid] })]);
    const jwks = (await (await fetch(`${gateway.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((key) => key.kid)).toEqual([kid]);
    // The private key stays in its owner-only file: in no log line, in no answer.
    const { keys } = JSON.parse(await fs.readFile(devKey, 'utf8')) as { keys: Array<{ d: string }> };
    expect([...rawGatewayLines, ...worker!.tail(200), JSON.stringify(jwks)].join('\n')).not.toContain(keys[0]!.d);
    expect((await fs.stat(devKey)).mode & 0o777).toBe(0o600);
  });

  test('the sender gets 401 CALLBACK_TOKEN_INVALID; the gateway logs reason signature and kid default, never the token', async () => {
    const handle = await client.workflow.start('awaitCallback', { taskQueue, workflowId: `key-mismatch-${randomUUID()}`, args: [{ timeout: '1m' }] });
    try {
      const url = await waitForCallbackUrl(handle);
      const before = logged.length;
      const response = await postJson(url, { decision: 'approve' });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('CALLBACK_TOKEN_INVALID');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const refusal = logged.slice(before).find((entry) => entry.msg === 'request');
      expect(refusal).toMatchObject({ status: 401, errorCode: 'CALLBACK_TOKEN_INVALID', reason: 'signature', kid: 'default' });

      const token = new URL(url).pathname.split('/').pop()!;
      const everything = [...rawGatewayLines, ...worker!.tail(200)].join('\n');
      for (const secret of [token, token.split('.')[2]!, workerSecret, gatewaySecret]) expect(everything).not.toContain(secret);
    } finally {
      await handle.terminate().catch(() => undefined);
    }
  });
});
