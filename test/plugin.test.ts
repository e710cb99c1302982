import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startAwaitCallback } from '../client';
import { durableCallbacks } from '../worker';
import { postJson, startHarness, type Harness } from './support/harness';
import { TEST_NAMESPACE, TEST_TEMPORAL_ADDRESS, WORKFLOW_BUNDLE_PATH } from './support/test-env';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('startAwaitCallback: the URL in the same round trip that starts the workflow', () => {
  test('returns the minted URL, its callback id and expiry; a POST to it completes the workflow', async () => {
    const started = await startAwaitCallback(h.client, { taskQueue: h.taskQueue, input: { timeout: '5m' } });
    expect(started.url.startsWith(`${h.gatewayUrl}/callbacks/`)).toBe(true);
    expect(started.callbackId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(started.expiresAt)).toBeGreaterThan(Date.now() + 4 * 60_000);
    expect((await postJson(started.url, { decision: 'approve' })).status).toBe(202);
    expect(await started.handle.result()).toMatchObject({ status: 'received', data: { decision: 'approve' } });
  });

  test('a workflow id that is already running is refused, and the running workflow keeps its URL', async () => {
    const workflowId = `await-${randomUUID()}`;
    const first = await startAwaitCallback(h.client, { taskQueue: h.taskQueue, workflowId, input: { timeout: '5m' } });
    await expect(startAwaitCallback(h.client, { taskQueue: h.taskQueue, workflowId })).rejects.toMatchObject({ name: 'WorkflowExecutionAlreadyStartedError' });
    expect((await postJson(first.url, { ok: true })).status).toBe(202);
    expect(await first.handle.result()).toMatchObject({ status: 'received' });
  });

  test('options the workflow refuses fail the call with the workflow\'s own reason instead of hanging', async () => {
    const error = await startAwaitCallback(h.client, { taskQueue: h.taskQueue, input: { expiresIn: '400 days' } }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'INVALID_CALLBACK_OPTIONS', message: expect.stringContaining('at most 366 days') });
  });
});

describe('the durableCallbacks plugin on a plain Worker.create', () => {
  test('a key ring that cannot be loaded stops worker.run() with its error, before any workflow is taken', async () => {
    const connection = await NativeConnection.connect({ address: TEST_TEMPORAL_ADDRESS });
    try {
      const missing = path.join(os.tmpdir(), `dcb-missing-${randomUUID()}.json`);
      const worker = await Worker.create({
        connection,
        namespace: TEST_NAMESPACE,
        taskQueue: `plugin-${randomUUID()}`,
        workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH },
        plugins: [
          durableCallbacks({
            minting: { token: { keys: { kind: 'ring-file', path: missing }, issuer: 'i', audience: 'a' }, callbackBaseUrl: 'http://localhost:1' },
          }),
        ],
      });
      await expect(worker.run()).rejects.toThrow(missing);
    } finally {
      await connection.close();
    }
  });

  test('a receipt key file that cannot be loaded stops worker.run() with an error naming the setting and the file', async () => {
    const connection = await NativeConnection.connect({ address: TEST_TEMPORAL_ADDRESS });
    try {
      const missing = path.join(os.tmpdir(), `dcb-missing-receipt-key-${randomUUID()}.json`);
      const worker = await Worker.create({
        connection,
        namespace: TEST_NAMESPACE,
        taskQueue: `plugin-${randomUUID()}`,
        workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH },
        plugins: [durableCallbacks({ approvalReceipts: { keys: { kind: 'key-file', path: missing }, issuer: 'i' } })],
      });
      await expect(worker.run()).rejects.toThrow(`APPROVAL_RECEIPT_KEY_FILE: cannot read ${missing}`);
    } finally {
      await connection.close();
    }
  });

  test('a payload key of the wrong size is refused when the plugin is created', () => {
    expect(() => durableCallbacks({ payloadCodec: { keys: new Map([['k1', 'c2hvcnQ']]), activeKid: 'k1' } })).toThrow(/PAYLOAD_CODEC_KEYS: key 'k1' must be 32 bytes/);
  });
});
