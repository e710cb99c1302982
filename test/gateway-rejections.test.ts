import { Client, Connection } from '@temporalio/client';
import { createGateway } from '../callback-gateway';
import { FileApiKeyStore } from '../api-keys';
import { createCallbackTokenVerifier } from '../tokens/verify-callback-token';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import { errorOf, postJson, signalCount, startHarness, TEST_TOKEN_IDENTITY, type Harness } from './support/harness';
import { listen } from './support/listen';
import type { WorkflowHandle } from '@temporalio/client';

let h: Harness;
let handle: WorkflowHandle;
let url: string;

beforeAll(async () => {
  h = await startHarness({ maxBodyBytes: 1024 });
  handle = await h.start('awaitCallback', [{ timeout: '10m' }]);
  url = await waitForCallbackUrl(handle);
});
afterAll(async () => {
  await handle?.terminate().catch(() => undefined);
  await h?.close();
});


function tokenOf(callbackUrl: string): string {
  return new URL(callbackUrl).pathname.split('/').pop()!;
}

async function expectRefused(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const error = await errorOf(response);
  expect(error.code).toBe(code);
  expect(error.message.length).toBeGreaterThan(10);
  expect(JSON.stringify(error)).not.toContain(tokenOf(url));
}

describe('refused requests', () => {
  /** After every refused request, the waiting workflow has still received nothing. */
  afterEach(async () => {
    expect(await signalCount(handle)).toBe(0);
  });

  describe('requests with a bad token are refused before anything else', () => {
    test('a tampered signature', async () => {
      const token = tokenOf(url);
      const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
      await expectRefused(await postJson(`${h.gatewayUrl}/callbacks/${tampered}`, {}), 401, 'CALLBACK_TOKEN_INVALID');
    });

    test('a token that is not a JWT', async () => {
      await expectRefused(await postJson(`${h.gatewayUrl}/callbacks/not-a-token`, {}), 401, 'CALLBACK_TOKEN_INVALID');
    });

    test('an expired token, even for a waiting workflow', async () => {
      const token = await h.minter.mint({
        namespace: 'default',
        workflowId: handle.workflowId,
        callbackId: 'expired',
        expiresAt: new Date(Date.now() - 10 * 60_000),
        requiresApiKey: false,
        allowGet: false,
      });
      await expectRefused(await postJson(`${h.gatewayUrl}/callbacks/${token}`, {}), 401, 'CALLBACK_TOKEN_EXPIRED');
    });

    test('a bad token with an oversized body is still a 401, not a 413', async () => {
      await expectRefused(await postJson(`${h.gatewayUrl}/callbacks/bad`, { big: 'x'.repeat(10_000) }), 401, 'CALLBACK_TOKEN_INVALID');
    });
  });

  describe('bodies the gateway cannot take are refused with their own codes', () => {
    test('malformed JSON is a 400', async () => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"unterminated":' });
      await expectRefused(response, 400, 'MALFORMED_BODY');
    });

    test('an unsupported content type is a 415', async () => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([1, 2, 3]) });
      await expectRefused(response, 415, 'UNSUPPORTED_CONTENT_TYPE');
    });

    test('a body without a content type is a 415', async () => {
      const response = await fetch(url, { method: 'POST', body: new Blob(['hello']) });
      await expectRefused(response, 415, 'UNSUPPORTED_CONTENT_TYPE');
    });

    test('an unsupported charset is a 415', async () => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=klingon' }, body: '{}' });
      await expectRefused(response, 415, 'UNSUPPORTED_CONTENT_TYPE');
    });

    test('a body over the limit is a 413', async () => {
      await expectRefused(await postJson(url, { big: 'x'.repeat(2048) }), 413, 'PAYLOAD_TOO_LARGE');
    });

    test('an unusable Idempotency-Key is a 400', async () => {
      await expectRefused(await postJson(url, {}, { 'idempotency-key': 'x'.repeat(300) }), 400, 'INVALID_DELIVERY_ID');
    });
  });

  describe('methods and routes', () => {
    test('DELETE on a callback URL is a 405 naming the allowed methods', async () => {
      const response = await fetch(url, { method: 'DELETE' });
      expect(response.headers.get('allow')).toBe('POST, PUT');
      await expectRefused(response, 405, 'METHOD_NOT_ALLOWED');
    });

    test('an unknown path is a JSON 404', async () => {
      await expectRefused(await fetch(`${h.gatewayUrl}/nothing/here`), 404, 'ROUTE_NOT_FOUND');
    });

    test('health and readiness answer', async () => {
      expect(await (await fetch(`${h.gatewayUrl}/healthz`)).json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${h.gatewayUrl}/readyz`);
      expect(ready.status).toBe(200);
    });
  });

  describe('when Temporal cannot be reached', () => {
    test('a valid delivery is refused with 503 and Retry-After, never accepted', async () => {
      const connection = Connection.lazy({ address: '127.0.0.1:1' });
      const app = createGateway({
        client: new Client({ connection, namespace: 'default' }),
        verifier: createCallbackTokenVerifier(h.signingKey, { ...TEST_TOKEN_IDENTITY, namespace: 'default' }),
        apiKeys: new FileApiKeyStore('/nonexistent/api-keys.json'),
        temporalCallTimeoutMs: 1_000,
      });
      const unreachable = await listen(app);
      try {
        const response = await postJson(`${unreachable.url}${new URL(url).pathname}`, { lost: false });
        expect(response.headers.get('retry-after')).toBe('5');
        await expectRefused(response, 503, 'TEMPORAL_UNAVAILABLE');
        const ready = await fetch(`${unreachable.url}/readyz`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toMatchObject({ status: 'unready' });
      } finally {
        await unreachable.close();
        await connection.close();
      }
    });
  });
});

describe('after all of the above', () => {
  test('the gateway still serves, and the workflow takes its one real delivery', async () => {
    expect(await signalCount(handle)).toBe(0);
    expect((await postJson(url, { finally: true })).status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'received', data: { finally: true } });
    expect(await signalCount(handle)).toBe(1);
  });
});
