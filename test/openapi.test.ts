import Ajv2020 from 'ajv/dist/2020';
import { buildOpenApiDocument } from '../callback-gateway/openapi';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import { rawExchange, rawRequest } from './support/raw-http';
import { startHarness, type Harness } from './support/harness';

type Json = Record<string, any>;
const doc = buildOpenApiDocument() as Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema(doc, 'openapi');

/** `node`, or what its `$ref` points to in the document. */
function resolve(node: Json): Json {
  if (typeof node.$ref !== 'string') return node;
  const keys = (node.$ref as string).slice(2).split('/').map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
  return resolve(keys.reduce((at: Json, key) => at[key], doc));
}

/** The document's path template that `pathname` matches, if any. */
function templateOf(pathname: string): string | undefined {
  return Object.keys(doc.paths).find((template) => new RegExp(`^${template.replace(/\./g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}/?$`).test(pathname));
}

/** Validates `body` against the schema at `pointer` in the document (so the `$ref`s in it resolve). */
function validateJson(pointer: string, body: unknown, where: string): void {
  const validate = ajv.getSchema(`openapi${pointer}`)!;
  if (!validate(body)) throw new Error(`${where}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(body)}`);
}

/** The pointer to the schema of `mediaType` in `answer`, a `$ref` to one of the document's responses. */
const schemaPointer = (answer: Json, mediaType: string) => `${answer.$ref}/content/${mediaType.replace(/~/g, '~0').replace(/\//g, '~1')}/schema`;

/**
 * Checks that every request header `init` sends that the operation declares has a value its
 * schema accepts, for a request the gateway took: a format the document states must be one the
 * gateway enforces (else a client is told a header is invalid when it is only ignored).
 */
function checkSentHeaders(operation: Json, init: RequestInit, where: string): void {
  const sent = new Headers(init.headers);
  for (const param of (operation.parameters ?? []).map(resolve)) {
    const value = param.in === 'header' ? sent.get(param.name) : null;
    if (value !== null && !ajv.compile(param.schema)(value)) throw new Error(`${where}: the gateway took ${param.name}: ${value}, which the document's schema refuses`);
  }
}

/**
 * Sends a request and checks the gateway's real answer against the document: the operation for
 * its path and method declares the status and the content type, the declared required headers
 * are there, and a JSON body matches the declared schema. A path or method the document does not
 * list must answer 404 `ROUTE_NOT_FOUND`, as its description says.
 */
async function answer(expectedStatus: number, url: string, init: RequestInit = {}): Promise<{ response: Response; text: string }> {
  const method = (init.method ?? 'GET').toLowerCase();
  const response = await fetch(url, init);
  const text = await response.text();
  const template = templateOf(new URL(url).pathname);
  const where = `${method.toUpperCase()} ${template ?? new URL(url).pathname} ${response.status}`;
  expect({ where, status: response.status }).toEqual({ where, status: expectedStatus });
  const mediaType = response.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
  const operation = template === undefined ? undefined : doc.paths[template][method];
  if (!operation) {
    const body = JSON.parse(text);
    expect({ where, mediaType, code: body.error?.code }).toEqual({ where, mediaType: 'application/json', code: 'ROUTE_NOT_FOUND' });
    validateJson('#/components/schemas/Error', body, where);
    return { response, text };
  }
  const declared = operation.responses[String(response.status)];
  if (!declared) throw new Error(`${where}: the document does not declare this status`);
  const { content, headers = {} } = resolve(declared);
  if (!content?.[mediaType]) throw new Error(`${where}: the document does not declare ${mediaType || 'no content type'} for it`);
  for (const [name, header] of Object.entries(headers as Json)) {
    if (resolve(header).required && !response.headers.has(name)) throw new Error(`${where}: required header ${name} is missing`);
  }
  if (response.ok) checkSentHeaders(operation, init, where);
  if (method === 'head') expect(text).toBe('');
  else if (mediaType === 'application/json') validateJson(schemaPointer(declared, mediaType), JSON.parse(text), where);
  else if (mediaType === 'text/html') expect(text).toMatch(/^<!doctype html>/);
  return { response, text };
}

const json = (body: unknown, headers: Record<string, string> = {}, method = 'POST'): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const asBrowser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ maxBodyBytes: 1024, rateLimits: { perKey: { perMinute: 1 } } });
});
afterAll(async () => {
  await h?.close();
});

describe('the OpenAPI document', () => {
  test('is served at /openapi.json', async () => {
    const { text } = await answer(200, `${h.gatewayUrl}/openapi.json`);
    expect(JSON.parse(text)).toEqual(doc);
    await answer(200, `${h.gatewayUrl}/openapi.json`, { method: 'HEAD' });
  });

  test('describes the real answers of every route', async () => {
    const start = async (input: Record<string, unknown> = {}, workflow = 'awaitCallback') => {
      const handle = await h.start(workflow, [{ timeout: '1m', ...input }]);
      return { handle, url: await waitForCallbackUrl(handle) };
    };
    const gateway = h.gatewayUrl;
    const a = await start();
    await answer(200, a.url, { headers: asBrowser }); // the approval page
    await answer(400, `${a.url}?wait=soon`, json({ ok: true })); // INVALID_WAIT
    await answer(400, a.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }); // MALFORMED_BODY
    await answer(200, `${a.url}/status`); // pending
    await answer(202, a.url, json({ ok: true }, { 'idempotency-key': 'openapi-a' }));
    await a.handle.result();
    await answer(202, a.url, json({ ok: true }, { 'idempotency-key': 'openapi-a' })); // a duplicate's receipt
    await answer(410, a.url, json({ late: true })); // WORKFLOW_CLOSED
    await answer(200, `${a.url}/status?deliveryId=openapi-a`); // closed, applied
    await answer(200, `${a.url}/status`, { method: 'HEAD' });
    await answer(400, `${a.url}/status?deliveryId=%20`); // INVALID_DELIVERY_ID
    await answer(405, `${a.url}/status`, json({}));
    await answer(405, `${a.url}/status`, { method: 'DELETE' });
    await answer(405, a.url, { method: 'HEAD' });
    await answer(405, a.url, { method: 'DELETE' });
    await answer(405, `${a.url}/complete`, { method: 'OPTIONS' });
    await answer(405, `${a.url}/fail`); // GET
    await answer(401, `${gateway}/callbacks/not-a-token`, json({}));
    await answer(401, `${gateway}/callbacks/not-a-token`, { headers: asBrowser }); // as a page
    await answer(401, `${gateway}/callbacks/%ff`, { method: 'PATCH' });
    await answer(415, a.url, { method: 'POST', headers: { 'content-type': 'image/png' }, body: 'x' });

    const browser = await start();
    const form = { method: 'POST', headers: { ...asBrowser, 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve' };
    await answer(202, browser.url, form); // the thank-you page
    await browser.handle.result();

    const b = await start({ holdOpen: true }, 'configurableWait'); // stays open after it completes
    await answer(413, b.url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(2000) });
    await answer(422, `${b.url}/fail`, json({ nope: true }));
    await answer(202, `${b.url}/heartbeat`, json({ pct: 5 }, {}, 'PUT'));
    await answer(405, b.url, { headers: { accept: 'application/json' } });
    await answer(200, `${b.url}/complete`, json({ ok: 1 }, { prefer: 'wait=10', 'idempotency-key': 'openapi-b' }));
    await answer(200, `${b.url}/complete`, json({ ok: 1 }, { prefer: 'wait=10', 'idempotency-key': 'openapi-b' })); // duplicate
    await answer(409, `${b.url}/complete`, json({ ok: 2 }, { prefer: 'wait=10' }));
    await b.handle.signal('release');
    await b.handle.result();

    const signed = await start({ requireSignature: 'unconfigured-sender' });
    await answer(200, `${signed.url}/status`); // the callback's own status needs no signature
    await answer(503, `${signed.url}/status?deliveryId=evt-1`); // SIGNATURE_SENDER_NOT_CONFIGURED: a delivery's outcome needs its signature

    const c = await start({ allowGet: true });
    await answer(200, `${c.url}?wait=10&x=1`, { headers: { accept: 'application/json' } });
    const d = await start({ allowGet: true });
    // A callback that requires no signature ignores Standard Webhooks headers: the document states no format for them.
    await answer(202, `${d.url}/complete?x=1`, { headers: { 'webhook-timestamp': 'not-a-time', 'webhook-signature': 'not-a-signature' } });

    // A synchronous answer says Preference-Applied; a retry that does not ask to wait, answered
    // from that delivery's receipt once the workflow closed, does not (the document requires it nowhere).
    const f = await start();
    const report = json({ error: { message: 'broke' } }, { 'idempotency-key': 'openapi-f' });
    const sync = await answer(200, `${f.url}/fail`, { ...report, headers: { ...report.headers, prefer: 'wait=10' } });
    expect(sync.response.headers.get('preference-applied')).toBe('wait=10');
    await f.handle.result();
    const receipt = await answer(200, `${f.url}/fail`, report);
    expect({ preferenceApplied: receipt.response.headers.get('preference-applied'), status: JSON.parse(receipt.text).status }).toEqual({ preferenceApplied: null, status: 'duplicate' });

    const keyed = await start({ requireApiKey: true });
    const { key } = await h.apiKeys.create({ name: 'sender', scopes: ['workflows:execute'] });
    const { key: unscoped } = await h.apiKeys.create({ name: 'reader', scopes: [] });
    await answer(401, keyed.url, json({})); // API_KEY_MISSING
    await answer(403, keyed.url, json({}, { 'x-api-key': unscoped }));
    await answer(202, keyed.url, json({ ok: true }, { 'x-api-key': key }));
    await answer(429, keyed.url, json({ again: true }, { authorization: `Bearer ${key}` }));

    const token = await h.minter.mint({
      namespace: 'default',
      workflowId: `never-started-${Date.now()}`,
      callbackId: 'cb',
      expiresAt: new Date(Date.now() + 60_000),
      requiresApiKey: false,
      allowGet: false,
    });
    await answer(404, `${gateway}/callbacks/${token}/heartbeat`, json({})); // WORKFLOW_NOT_FOUND

    await answer(200, `${gateway}/healthz`);
    await answer(200, `${gateway}/healthz`, { method: 'HEAD' });
    await answer(200, `${gateway}/readyz`);
    await answer(200, `${gateway}/metrics`);
    await answer(200, `${gateway}/.well-known/jwks.json`);
    await answer(200, `${gateway}/.well-known/jwks.json`, { method: 'HEAD' });
    await answer(404, `${gateway}/.well-known/jwks.json`, { method: 'POST' });
    await answer(431, `${gateway}/healthz`, { headers: { 'x-padding': 'x'.repeat(20_000) } });
    // The inbox, on a gateway without sign-in.
    await answer(503, `${gateway}/inbox`, { headers: { accept: 'application/json' } });
    await answer(503, `${gateway}/inbox/sign-in`);
    await answer(503, `${gateway}/inbox/some-workflow/some-callback`, json({ decision: 'approve' }));
    await answer(404, `${gateway}/inbox`, { method: 'DELETE' });
    await answer(404, `${gateway}/nowhere`);
    await answer(404, `${gateway}/healthz`, { method: 'POST' });
  });
});

describe('refusals the HTTP server answers before any route', () => {
  test('a body announced over the limit with Expect: 100-continue gets the 413 the document declares, on any path', async () => {
    for (const [method, path] of [['POST', '/callbacks/not-a-token'], ['GET', '/healthz']] as const) {
      const exchange = await rawExchange(h.gatewayPort, rawRequest(method, path, ['Content-Type: application/json', 'Expect: 100-continue', 'Content-Length: 2000']), {
        responses: Infinity,
      });
      const [response] = exchange.responses;
      const declared = doc.paths[path === '/healthz' ? '/healthz' : '/callbacks/{token}'][method.toLowerCase()].responses['413'];
      expect(response?.status).toBe(413);
      validateJson(schemaPointer(declared, 'application/json'), JSON.parse(response!.body), `${method} ${path} 413`);
      expect(JSON.parse(response!.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    }
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
