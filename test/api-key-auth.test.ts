import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import { errorOf, postJson, signalCount, startHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ workerApiKey: true });
});
afterAll(async () => {
  await h?.close();
});

async function awaitCallback(input: Record<string, unknown>): Promise<{ handle: WorkflowHandle; url: string }> {
  const handle = await h.start('awaitCallback', [{ timeout: '1m', ...input }]);
  return { handle, url: await waitForCallbackUrl(handle) };
}

function withoutKey(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.delete('api_key');
  return parsed.toString();
}

async function expectRefusedWithoutSignal(handle: WorkflowHandle, response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect((await errorOf(response)).code).toBe(code);
  expect(await signalCount(handle)).toBe(0);
}

describe('a URL minted with includeApiKey', () => {
  test('carries the worker key, is accepted, and hands the workflow the key id but never the key', async () => {
    const { handle, url } = await awaitCallback({ includeApiKey: true });
    expect(new URL(url).searchParams.get('api_key')).toBe(h.workerApiKey);
    expect((await postJson(url, { ok: true })).status).toBe(202);
    const result = await handle.result();
    if (result.status !== 'received') throw new Error('expected a delivery');
    expect(result.apiKeyId).toBe(h.workerApiKey!.split('_')[1]);
    expect(result.query).toEqual({});
    expect(JSON.stringify(result)).not.toContain(h.workerApiKey!);
  });

  test('without its key is refused with API_KEY_MISSING', async () => {
    const { handle, url } = await awaitCallback({ includeApiKey: true });
    await expectRefusedWithoutSignal(handle, await postJson(withoutKey(url), {}), 401, 'API_KEY_MISSING');
    await handle.terminate();
  });
});

describe('a callback created with requireApiKey', () => {
  let handle: WorkflowHandle;
  let url: string;
  beforeEach(async () => {
    ({ handle, url } = await awaitCallback({ requireApiKey: true }));
    expect(new URL(url).searchParams.has('api_key')).toBe(false);
  });
  afterEach(async () => {
    await handle.terminate().catch(() => undefined);
  });

  test('accepts a valid key in X-API-Key', async () => {
    const { key } = await h.apiKeys.create({ name: 'ticketing', scopes: ['workflows:execute'] });
    expect((await postJson(url, { via: 'header' }, { 'x-api-key': key })).status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'received', data: { via: 'header' } });
  });

  test('accepts a valid key as Authorization: Bearer', async () => {
    const { key } = await h.apiKeys.create({ name: 'ticketing', scopes: ['workflows:execute'] });
    expect((await postJson(url, { via: 'bearer' }, { authorization: `Bearer ${key}` })).status).toBe(202);
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'received', data: { via: 'bearer' } });
    expect(JSON.stringify(result)).not.toContain(key);
  });

  test('refuses a request with no key', async () => {
    await expectRefusedWithoutSignal(handle, await postJson(url, {}), 401, 'API_KEY_MISSING');
  });

  test('refuses a wrong key', async () => {
    const { key } = await h.apiKeys.create({ name: 'ticketing', scopes: ['workflows:execute'] });
    const wrong = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    await expectRefusedWithoutSignal(handle, await postJson(url, {}, { 'x-api-key': wrong }), 401, 'API_KEY_INVALID');
  });

  test('refuses a revoked key, from the moment it is revoked', async () => {
    const { key, info } = await h.apiKeys.create({ name: 'ticketing', scopes: ['workflows:execute'] });
    await h.apiKeys.revoke(info.id);
    await expectRefusedWithoutSignal(handle, await postJson(url, {}, { 'x-api-key': key }), 401, 'API_KEY_REVOKED');
  });

  test('refuses a key without permission to execute workflows', async () => {
    const { key } = await h.apiKeys.create({ name: 'reader', scopes: ['workflows:read'] });
    await expectRefusedWithoutSignal(handle, await postJson(url, {}, { 'x-api-key': key }), 403, 'API_KEY_FORBIDDEN');
  });
});

describe('a worker without a configured key', () => {
  test('fails includeApiKey with a non-retryable error that says what to set', async () => {
    const bare = await startHarness();
    try {
      const handle = await bare.start('awaitCallback', [{ includeApiKey: true }]);
      const failure = (await handle.result().catch((err: unknown) => err)) as WorkflowFailedError;
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      // The activity's failure, wherever the SDK nests it (a local activity's, by default).
      let cause = failure.cause as { type?: string; message: string; nonRetryable?: boolean; cause?: unknown } | undefined;
      while (cause && cause.type !== 'CALLBACK_API_KEY_NOT_CONFIGURED') cause = cause.cause as typeof cause;
      if (!cause) throw new Error('no CALLBACK_API_KEY_NOT_CONFIGURED failure in the chain');
      expect(cause.type).toBe('CALLBACK_API_KEY_NOT_CONFIGURED');
      expect(cause.nonRetryable).toBe(true);
      expect(cause.message).toContain('CALLBACK_API_KEY');
    } finally {
      await bare.close();
    }
  });
});

describe('the gateway log', () => {
  test('never contains a token or an API key', async () => {
    const { handle, url } = await awaitCallback({ includeApiKey: true });
    expect((await postJson(url, {})).status).toBe(202);
    await handle.result();
    const token = new URL(url).pathname.split('/').pop()!;
    const log = h.logLines.join('\n');
    expect(log).toContain(handle.workflowId);
    expect(log).not.toContain(token);
    expect(log).not.toContain(h.workerApiKey!);
  });
});
