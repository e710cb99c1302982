import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WAITING_SEARCH_ATTRIBUTE, type CallbackInfo } from '../workflows';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import { startHarness, type Harness } from './support/harness';
import { runTsx, type CommandResult } from './support/processes';
import { TEST_TEMPORAL_ADDRESS } from './support/test-env';

function cli(...args: string[]): Promise<CommandResult> {
  return cliWith({}, ...args);
}

function cliWith(env: Record<string, string>, ...args: string[]): Promise<CommandResult> {
  return runTsx('cli/main.ts', args, { TEMPORAL_ADDRESS: TEST_TEMPORAL_ADDRESS, ...env });
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('the durable-callbacks command', () => {
  test('lists waiting workflows through the search attribute, shows one, and completes a callback by hand', async () => {
    const handle = await h.start('awaitCallback', [{ timeout: '5m', markWaiting: true }]);
    await waitForCallbackUrl(handle);
    let listed: Array<{ workflowId: string; info: CallbackInfo }> = [];
    for (let attempt = 0; attempt < 50 && !listed.some((row) => row.workflowId === handle.workflowId); attempt++) {
      const { code, stdout } = await cli('callbacks', 'list', '--json', '--limit', '1000');
      expect(code).toBe(0);
      listed = JSON.parse(stdout) as typeof listed;
      if (!listed.some((row) => row.workflowId === handle.workflowId)) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const row = listed.find((entry) => entry.workflowId === handle.workflowId)!;
    expect(row.info.status).toBe('pending');

    const shown = await cli('callbacks', 'show', handle.workflowId, '--json');
    expect(JSON.parse(shown.stdout)).toEqual([expect.objectContaining({ id: row.info.id, status: 'pending' })]);

    const completed = await cli('callbacks', 'complete', handle.workflowId, row.info.id, '--data', '{"by":"operator"}');
    expect(completed.code).toBe(0);
    expect(await handle.result()).toMatchObject({ status: 'received', data: { by: 'operator' }, headers: { 'x-delivered-by': 'operator' } });
    // Once nothing waits any more, the workflow is no longer marked as waiting.
    expect((await handle.describe()).typedSearchAttributes.get(WAITING_SEARCH_ATTRIBUTE)).toBe(false);
  });

  test('acts as a sender: send delivers, and fail reports failure', async () => {
    const first = await h.start('awaitCallback', [{ timeout: '5m' }]);
    const sent = await cli('callbacks', 'send', await waitForCallbackUrl(first), '--data', '{"via":"cli"}', '--idempotency-key', 'cli-1', '--json');
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ status: 202, body: { status: 'accepted', deliveryId: 'cli-1' } });
    expect(await first.result()).toMatchObject({ data: { via: 'cli' } });

    const second = await h.start('awaitCallback', [{ timeout: '5m' }]);
    const failed = await cli('callbacks', 'send', await waitForCallbackUrl(second), '--fail', '--data', '{"error":{"message":"nope"}}');
    expect(failed.code).toBe(0);
    expect(await second.result()).toMatchObject({ status: 'failed', error: { message: 'nope' } });
  });

  test('usage errors exit 2 with the usage; a refused delivery exits 1', async () => {
    const unknown = await cli('callbacks', 'frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Usage:');
    const refused = await cli('callbacks', 'send', `${h.gatewayUrl}/callbacks/not-a-token`, '--json');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ status: 401, body: { error: { code: 'CALLBACK_TOKEN_INVALID' } } });
  });

  test('keys: create, rotate with the old key revoked, and list as JSON', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-cli-keys-'));
    const env = { DURABLE_CALLBACKS_DATA_DIR: dir };
    try {
      const created = await cliWith(env, 'keys', 'create', '--name', 'ticketing');
      expect(created.code).toBe(0);
      const oldId = /Created API key ([0-9a-f]{16})/.exec(created.stdout)![1]!;
      const rotated = await cliWith(env, 'keys', 'rotate', oldId, '--revoke-old');
      expect(rotated.code).toBe(0);
      expect(rotated.stdout).toMatch(/dcb_[0-9a-f]{16}_/);
      const listed = JSON.parse((await cliWith(env, 'keys', 'list', '--json')).stdout) as Array<{ id: string; name: string; revokedAt?: string }>;
      expect(listed).toHaveLength(2);
      expect(listed.find((key) => key.id === oldId)?.revokedAt).toBeDefined();
      expect(listed.find((key) => key.id !== oldId)).toMatchObject({ name: 'ticketing' });
      expect(listed.find((key) => key.id !== oldId)?.revokedAt).toBeUndefined();
    } finally {
      await fs.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    }
  });
});
