import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadWebhookSources } from '../callback-gateway/webhooks/webhook-sources';
import { WAITING_SEARCH_ATTRIBUTE, type CallbackInfo } from '../workflows';
import { subscribedQuery } from './workflows';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import { startHarness, type Harness } from './support/harness';
import { runTsx, type CommandResult } from './support/processes';
import { TEST_TEMPORAL_ADDRESS } from './support/test-env';
import { GITHUB_SECRET, sendGitHub } from './support/webhook-senders';

function cli(...args: string[]): Promise<CommandResult> {
  return cliWith({}, ...args);
}

function cliWith(env: Record<string, string>, ...args: string[]): Promise<CommandResult> {
  return runTsx('cli/main.ts', args, { TEMPORAL_ADDRESS: TEST_TEMPORAL_ADDRESS, ...env });
}

let h: Harness;
let sourcesDir: string;
beforeAll(async () => {
  sourcesDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-cli-sources-'));
  const file = path.join(sourcesDir, 'sources.json');
  await fs.writeFile(file, JSON.stringify({ github: { provider: 'github', secret: GITHUB_SECRET, events: { pull_request: { key: '{/repository/full_name}#{/pull_request/number}' } } } }));
  h = await startHarness({ webhookSources: loadWebhookSources(file, {}) });
});
afterAll(async () => {
  await h?.close();
  await fs.rm(sourcesDir, { recursive: true, force: true });
});

/** Runs `callbacks list --json` until it lists `workflowId` (the search attribute is eventually consistent). */
async function listedRows(workflowId: string): Promise<Array<{ workflowId: string; info: CallbackInfo }>> {
  let listed: Array<{ workflowId: string; info: CallbackInfo }> = [];
  for (let attempt = 0; attempt < 50 && !listed.some((row) => row.workflowId === workflowId); attempt++) {
    const { code, stdout } = await cli('callbacks', 'list', '--json', '--limit', '1000');
    expect(code).toBe(0);
    listed = JSON.parse(stdout) as typeof listed;
    if (!listed.some((row) => row.workflowId === workflowId)) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return listed;
}

describe('the durable-callbacks command', () => {
  test('lists waiting workflows through the search attribute, shows one, and completes a callback by hand', async () => {
    const handle = await h.start('awaitCallback', [{ timeout: '5m', markWaiting: true }]);
    await waitForCallbackUrl(handle);
    const listed = await listedRows(handle.workflowId);
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

  test('lists webhook waits with their source, event and key, and shows the events a mailbox holds and the waits it serves', async () => {
    const repo = `octo/cli-${randomUUID().slice(0, 8)}`;
    const key = `${repo}#3`;
    const handle = await h.start('webhookWait', [{ source: 'github', event: 'pull_request', key, timeout: '5m', markWaiting: true }]);
    for (let attempt = 0; attempt < 100 && !(await handle.query(subscribedQuery)); attempt++) await new Promise((resolve) => setTimeout(resolve, 100));
    const row = (await listedRows(handle.workflowId)).find((entry) => entry.workflowId === handle.workflowId)!;
    expect(row.info).toMatchObject({ status: 'pending', webhook: { source: 'github', event: 'pull_request', key } });
    const table = await cli('callbacks', 'list', '--limit', '1000');
    expect(table.stdout).toContain('WEBHOOK (SOURCE EVENT KEY)');
    expect(table.stdout).toContain(`github pull_request ${key}`);

    const waiting = JSON.parse((await cli('webhooks', 'show', 'github', key, '--json')).stdout) as Record<string, unknown>;
    expect(waiting).toMatchObject({ status: 'RUNNING', source: 'github', key, events: [], subscribers: [{ workflowId: handle.workflowId, callbackId: row.info.id, event: 'pull_request', mode: 'once' }] });

    // An event for a key nobody waits for is held by its mailbox.
    const early = `${repo}#4`;
    expect((await sendGitHub(`${h.gatewayUrl}/webhooks/github`, { event: 'pull_request', deliveryId: 'cli-held-1', body: { action: 'opened', repository: { full_name: repo }, pull_request: { number: 4 } } })).status).toBe(202);
    let held: { events: Array<Record<string, unknown>> } = { events: [] };
    for (let attempt = 0; attempt < 50 && held.events.length === 0; attempt++) {
      held = JSON.parse((await cli('webhooks', 'show', 'github', early, '--json')).stdout) as typeof held;
    }
    expect(held).toMatchObject({ status: 'RUNNING', events: [{ deliveryId: 'cli-held-1', event: 'pull_request' }], subscribers: [] });
    const text = await cli('webhooks', 'show', 'github', early);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Events held: 1\n[\s\S]*cli-held-1\s+pull_request/);

    const none = JSON.parse((await cli('webhooks', 'show', 'github', `${repo}#404`, '--json')).stdout) as Record<string, unknown>;
    expect(none).toMatchObject({ status: 'NONE', events: [], subscribers: [] });
    expect((await cli('webhooks', 'show', 'github')).code).toBe(2);
    await handle.terminate();
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
