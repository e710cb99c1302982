import Ajv2020 from 'ajv/dist/2020';
import openApiDocument from '../callback-gateway/openapi.json';
import { ERROR_STATUS } from '../lib/errors';
import { waitForCallbackUrl } from '../lib/client';
import { postJson, startHarness, type Harness } from './support/harness';

type Json = Record<string, any>;
const doc = openApiDocument as Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema(doc, 'openapi');

/** Validates a real response against the operation the document declares for it. */
async function conforms(response: Response, path: string, method: string): Promise<void> {
  const operation = doc.paths[path]?.[method];
  expect(operation).toBeDefined();
  const declared = operation.responses[String(response.status)];
  if (!declared) throw new Error(`${method.toUpperCase()} ${path} answered ${response.status}, which the document does not declare`);
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!;
  const content = declared.content?.[mediaType];
  if (!content) throw new Error(`${method.toUpperCase()} ${path} ${response.status} answered ${mediaType}, which the document does not declare`);
  if (mediaType !== 'application/json') return;
  const schema = content.schema as Json;
  const validate = schema.$ref ? ajv.getSchema(`openapi${schema.$ref}`)! : ajv.compile(schema);
  const body: unknown = await response.json();
  if (!validate(body)) throw new Error(`${method.toUpperCase()} ${path} ${response.status}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(body)}`);
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ maxBodyBytes: 1024 });
});
afterAll(async () => {
  await h?.close();
});

describe('the OpenAPI document', () => {
  test('is OpenAPI 3.1, served at /openapi.json, and names every error code', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const served = await fetch(`${h.gatewayUrl}/openapi.json`);
    expect(await served.json()).toEqual(doc);
    expect([...doc.components.schemas.ErrorCode.enum].sort()).toEqual(Object.keys(ERROR_STATUS).sort());
  });

  test('describes the real answers of every route', async () => {
    const start = async (input: Record<string, unknown> = {}) => {
      const handle = await h.start('awaitCallback', [{ timeout: '1m', ...input }]);
      return { handle, url: await waitForCallbackUrl(handle) };
    };
    const a = await start();
    await conforms(await postJson(a.url, { ok: true }), '/callbacks/{token}', 'post');
    await a.handle.result();
    await conforms(await postJson(a.url, { late: true }), '/callbacks/{token}', 'post'); // 410
    await conforms(await postJson(`${h.gatewayUrl}/callbacks/not-a-token`, {}), '/callbacks/{token}', 'post'); // 401
    await conforms(await fetch(a.url, { method: 'POST', headers: { 'content-type': 'image/png' }, body: 'x' }), '/callbacks/{token}', 'post'); // 415

    const b = await start({ allowGet: false });
    await conforms(await fetch(b.url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(2000) }), '/callbacks/{token}', 'put'); // 413
    await conforms(await postJson(`${b.url}/fail`, { nope: true }), '/callbacks/{token}/fail', 'post'); // 422
    await conforms(await postJson(`${b.url}/heartbeat`, { pct: 5 }), '/callbacks/{token}/heartbeat', 'post'); // 202
    await conforms(await fetch(b.url, { headers: { accept: 'application/json' } }), '/callbacks/{token}', 'get'); // 405
    await conforms(await postJson(`${b.url}/complete`, { ok: 1 }, { prefer: 'wait=10' }), '/callbacks/{token}/complete', 'post'); // 200
    await conforms(await postJson(`${b.url}/complete`, { ok: 2 }, { prefer: 'wait=10' }), '/callbacks/{token}/complete', 'post'); // 409
    await b.handle.result();

    await conforms(await fetch(`${h.gatewayUrl}/healthz`), '/healthz', 'get');
    await conforms(await fetch(`${h.gatewayUrl}/readyz`), '/readyz', 'get');
    await conforms(await fetch(`${h.gatewayUrl}/metrics`), '/metrics', 'get');
  });
});

describe('observability', () => {
  test('every answer carries a request id, and /metrics counts deliveries by route and outcome', async () => {
    const response = await fetch(`${h.gatewayUrl}/callbacks/not-a-token`, { method: 'POST', headers: { 'x-request-id': 'lb-1234' } });
    expect(response.headers.get('x-request-id')).toBe('lb-1234');
    expect((await fetch(`${h.gatewayUrl}/healthz`)).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(h.logLines.some((line) => line.includes('"requestId":"lb-1234"'))).toBe(true);
    const metrics = await (await fetch(`${h.gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(/dcb_deliveries_total\{route="\/callbacks\/:token",outcome="CALLBACK_TOKEN_INVALID"\} \d+/);
    expect(metrics).toContain('dcb_request_duration_seconds_bucket');
    expect(metrics).toContain('dcb_inflight_requests');
  });
});
