import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { pollUntil } from './support/async';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import type { CallbackWaitResult } from '../workflows';
import { releaseSignal, urlsQuery } from './workflows';
import { errorOf, postJson, signalCount, startHarness, type Harness } from './support/harness';
import { historyText } from './support/history';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function awaitCallback(input: Record<string, unknown> = {}) {
  const handle = await h.start('awaitCallback', [{ timeout: '1m', ...input }]);
  const url = await waitForCallbackUrl(handle);
  return { handle, url };
}

describe('a callback URL', () => {
  test('points at the gateway and carries a signed token', async () => {
    const { handle, url } = await awaitCallback();
    expect(url.startsWith(`${h.gatewayUrl}/callbacks/`)).toBe(true);
    expect(url.split('/callbacks/')[1]!.split('.')).toHaveLength(3);
    await handle.terminate();
  });
});

describe('delivering to a waiting workflow', () => {
  test('a JSON POST resumes the workflow with exactly that data', async () => {
    const { handle, url } = await awaitCallback();
    const data = { ticket: 'INC-42', nested: { list: [1, 2, 3], flag: true }, text: 'héllo' };
    const response = await postJson(`${url}?source=ticketing`, data, { 'x-ticket-event': 'assigned' });
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as { status: string; callbackId: string; deliveryId: string };
    expect(accepted.status).toBe('accepted');

    const result = await handle.result();
    expect(result).toMatchObject({
      status: 'received',
      callbackId: accepted.callbackId,
      deliveryId: accepted.deliveryId,
      method: 'POST',
      contentType: 'application/json',
      data,
      query: { source: 'ticketing' },
    });
    if (result.status !== 'received') throw new Error('unreachable');
    expect(result.headers['x-ticket-event']).toBe('assigned');
    expect(Date.parse(result.receivedAt)).not.toBeNaN();
  });

  test('a form-urlencoded POST arrives as an object of strings', async () => {
    const { handle, url } = await awaitCallback();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'assignee=alice&sla=4h&tag=a&tag=b',
    });
    expect(response.status).toBe(202);
    expect(await handle.result()).toMatchObject({
      status: 'received',
      contentType: 'application/x-www-form-urlencoded',
      data: { assignee: 'alice', sla: '4h', tag: ['a', 'b'] },
    });
  });

  test('a text body arrives as a string, and PUT works like POST', async () => {
    const { handle, url } = await awaitCallback();
    const response = await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'done' });
    expect(response.status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'received', method: 'PUT', contentType: 'text/plain', data: 'done' });
  });

  test('a URL minted by a regular activity works the same as by the default local activity', async () => {
    const { handle, url } = await awaitCallback({ mintWith: 'activity' });
    expect((await postJson(url, { local: true })).status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'received', data: { local: true } });
  });

  test('JSON numbers within ±(2^53 - 1) arrive as sent, fractions as the nearest double; big ones sent as strings arrive as strings', async () => {
    const { handle, url } = await awaitCallback();
    const body = '{"max":9007199254740991,"min":-9007199254740991,"tenth":0.1,"thousand":1e3,"id":"9007199254740993"}';
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(202);
    expect(await handle.result()).toMatchObject({
      status: 'received',
      data: { max: 9007199254740991, min: -9007199254740991, tenth: 0.1, thousand: 1000, id: '9007199254740993' },
    });
  });

  test('a POST without a body resumes the workflow with null data', async () => {
    const { handle, url } = await awaitCallback();
    expect((await fetch(url, { method: 'POST' })).status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'received', contentType: null, data: null });
  });

  test('credentials and cookies are never handed to the workflow', async () => {
    const { handle, url } = await awaitCallback();
    const response = await postJson(url, {}, { authorization: 'Bearer secret-value', cookie: 'session=secret', 'x-auth-token': 'secret', 'x-trace': 'kept' });
    expect(response.status).toBe(202);
    const result = await handle.result();
    if (result.status !== 'received') throw new Error('expected a delivery');
    expect(result.headers['x-trace']).toBe('kept');
    expect(JSON.stringify(result)).not.toContain('secret');
  });
});

describe('secret-looking query parameters never reach workflow history', () => {
  /** A query with a credential under each secret-looking name (some in other letter cases), and `keep=1`; the values, to search for. */
  function secretQuery(): { query: string; values: string[] } {
    const names = ['access_token', 'signature', 'password', 'Token', 'SIG', 'secret', 'key', 'API_KEY', 'apiKey'];
    const values = names.map(() => `s3cr3t-${randomUUID()}`);
    const query = [...names.map((name, i) => `${name}=${values[i]}`), 'keep=1'].join('&');
    return { query: `?${query}`, values };
  }

  test.each(['POST', 'GET'])('a %s delivers keep=1 and none of them, in its query and data', async (method) => {
    const { handle, url } = await awaitCallback({ allowGet: true });
    const { query, values } = secretQuery();
    const response = method === 'GET' ? await fetch(`${url}${query}`) : await postJson(`${url}${query}`, { decision: 'approve' });
    expect(response.status).toBe(202);
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'received', method, query: { keep: '1' } });
    if (result.status !== 'received') throw new Error('expected a delivery');
    expect(result.query).toEqual({ keep: '1' });
    expect(result.data).toEqual(method === 'GET' ? { keep: '1' } : { decision: 'approve' });
    const history = await historyText(handle);
    expect(history).toContain('keep');
    expect(values.filter((value) => history.includes(value))).toEqual([]);
  });
});

describe('GET deliveries are opt-in per callback', () => {
  test('with allowGet, a GET resumes the workflow with its query parameters', async () => {
    const { handle, url } = await awaitCallback({ allowGet: true });
    const response = await fetch(`${url}?decision=approve&by=carol`);
    expect(response.status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'received', method: 'GET', data: { decision: 'approve', by: 'carol' } });
  });

  test('without allowGet, a GET (a link preview, a crawler) is refused with 405 and delivers nothing', async () => {
    const { handle, url } = await awaitCallback();
    const response = await fetch(`${url}?decision=approve`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST, PUT');
    expect((await errorOf(response)).code).toBe('METHOD_NOT_ALLOWED');
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(405);
    expect(await signalCount(handle)).toBe(0);
    await handle.terminate();
  });

  test('even with allowGet, a HEAD delivers nothing', async () => {
    const { handle, url } = await awaitCallback({ allowGet: true });
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(405);
    expect(await signalCount(handle)).toBe(0);
    await handle.terminate();
  });
});

describe('waiting', () => {
  test('a delivery sent before wait() is called is not lost', async () => {
    const handle = await h.start('waitAfterRelease');
    const url = await waitForCallbackUrl(handle);
    expect((await postJson(url, { early: true })).status).toBe(202);
    await handle.signal(releaseSignal);
    expect(await handle.result()).toMatchObject({ status: 'received', data: { early: true } });
  });

  test('two callbacks in one workflow each reach their own wait', async () => {
    const handle = await h.start('twoCallbacks');
    let urls: string[] = [];
    await pollUntil('both URLs are minted', async () => (urls = await handle.query(urlsQuery)).length >= 2, 15_000, 100);
    const [first, second] = urls as [string, string];
    expect((await postJson(second, { which: 'second' })).status).toBe(202);
    expect((await postJson(first, { which: 'first' })).status).toBe(202);
    const result = (await handle.result()) as { first: CallbackWaitResult; second: CallbackWaitResult };
    expect(result.first).toMatchObject({ status: 'received', data: { which: 'first' } });
    expect(result.second).toMatchObject({ status: 'received', data: { which: 'second' } });
    expect(result.first.callbackId).not.toBe(result.second.callbackId);
  });

  // A wait's timeout and expiry are tested in days of workflow time: callback-time-skipping.test.ts.

  test('only the first delivery completes a callback; later ones are accepted and ignored', async () => {
    const { handle, url } = await awaitCallback();
    expect((await postJson(url, { n: 1 })).status).toBe(202);
    expect(await handle.result()).toMatchObject({ data: { n: 1 } });
  });

  test('invalid options fail createCallback with INVALID_CALLBACK_OPTIONS', async () => {
    const handle = await h.start('createWithOptions', [{ expiresIn: 'soon' }]);
    const failure = (await handle.result().catch((err: unknown) => err)) as WorkflowFailedError;
    expect((failure.cause as { type?: string }).type).toBe('INVALID_CALLBACK_OPTIONS');
  });
});

describe('after the workflow is gone', () => {
  test('a delivery to a finished workflow is refused with 410 WORKFLOW_CLOSED', async () => {
    const { handle, url } = await awaitCallback();
    expect((await postJson(url, { n: 1 })).status).toBe(202);
    await handle.result();
    const late = await postJson(url, { n: 2 });
    expect(late.status).toBe(410);
    expect((await errorOf(late)).code).toBe('WORKFLOW_CLOSED');
  });

  test('a valid token for a workflow that does not exist is refused with 404 WORKFLOW_NOT_FOUND', async () => {
    const token = await h.minter.mint({
      namespace: 'default',
      workflowId: `never-started-${Date.now()}`,
      callbackId: 'cb',
      expiresAt: new Date(Date.now() + 60_000),
      requiresApiKey: false,
      allowGet: false,
    });
    const response = await postJson(`${h.gatewayUrl}/callbacks/${token}`, {});
    expect(response.status).toBe(404);
    expect((await errorOf(response)).code).toBe('WORKFLOW_NOT_FOUND');
  });
});
