import { createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { WorkflowHandle } from '@temporalio/client';
import express from 'express';
import { CompactEncrypt, SignJWT, base64url, exportJWK, generateKeyPair, type CryptoKey, type JWTHeaderParameters } from 'jose';
import { createGateway, type GatewayDeps } from '../callback-gateway';
import { createGatewayServer } from '../callback-gateway/http-server';
import { webhookSignature } from '../callback-gateway/webhook-signature';
import { generateApiKey } from '../lib/api-keys';
import { waitForCallbackUrl } from '../lib/client';
import { loadKeyRing, readKeyRingFile } from '../lib/key-ring';
import { addEncryptionKey, addSigningKey, exportGatewayRing } from '../lib/key-ring-file';
import { createCallbackTokenMinter } from '../lib/mint-callback-token';
import { createCallbackTokenVerifier } from '../lib/verify-callback-token';
import { callbacksQuery } from '../workflows/protocol';
import { deliveryEvents } from './support/history';
import { postJson, startHarness, TEST_TOKEN_IDENTITY, type Harness } from './support/harness';
import { listen, type Listening } from './support/listen';
import { rawExchange, type RawExchange } from './support/raw-http';
import { expectRefusal, rawRefusalOf, refusalOf, type Refusal } from './support/refusals';

/**
 * Hostile requests against a real gateway on a real port, in front of real waiting workflows.
 * Each test sends one kind of attack and asserts the status and stable code of the refusal, its
 * security headers, that it repeats no token; after each test, no waiting workflow has received
 * a signal or an update, and the gateway still answers.
 */

const SENDER = 'acme';
const webhookKey = randomBytes(32);
/** Requests must arrive within 1.5 s (Node enforces it on its connections-checking interval). */
const SERVER_LIMITS = { requestTimeoutMs: 1_500, headersTimeoutMs: 1_500 };
const MAX_BODY_BYTES = 8192;
const NO_DELIVERY = { signals: 0, updates: 0 };

interface Waiting {
  handle: WorkflowHandle;
  url: string;
  token: string;
  callbackId: string;
}

let h: Harness;
/** A plain callback, one that requires an API key, and one that requires a Standard Webhooks signature. */
let plain: Waiting;
let keyed: Waiting;
let signed: Waiting;
/** Started right after the gateway, so Node's 30 s connections check runs while the other tests do. */
let slowBody: Promise<RawExchange>;
let slowHeaders: Promise<RawExchange>;
const stopSlow = new AbortController();
const extraHandles: WorkflowHandle[] = [];

function tokenOf(url: string): string {
  return new URL(url).pathname.split('/')[2]!;
}

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[1]!))) as Record<string, unknown>;
}

async function waiting(input: Record<string, unknown>): Promise<Waiting> {
  const handle = await h.start('awaitCallback', [{ timeout: '10m', ...input }]);
  extraHandles.push(handle);
  const url = await waitForCallbackUrl(handle);
  const token = tokenOf(url);
  return { handle, url, token, callbackId: payloadOf(token).jti as string };
}

/** Every real token: no refusal body may contain one. */
function realTokens(): string[] {
  return [plain.token, keyed.token, signed.token];
}

function at(token: string, suffix = '', query = ''): string {
  return `${h.gatewayUrl}/callbacks/${token}${suffix}${query}`;
}

async function expectFetchRefusal(response: Response, status: number, code: Parameters<typeof expectRefusal>[2], secrets: Array<string | undefined> = []): Promise<Refusal> {
  const got = await refusalOf(response);
  expectRefusal(got, status, code, [...secrets, ...realTokens()]);
  return got;
}

function expectRawRefusal(exchange: RawExchange, status: number, code: Parameters<typeof expectRefusal>[2], secrets: string[] = []): void {
  expect(exchange.responses.length).toBeGreaterThanOrEqual(1);
  expectRefusal(rawRefusalOf(exchange.responses[0]!), status, code, [...secrets, ...realTokens()]);
}

/** The claims of a token minted for `plain`. */
function plainClaims(): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { ns: 'default', iss: TEST_TOKEN_IDENTITY.issuer, aud: TEST_TOKEN_IDENTITY.audience, sub: plain.handle.workflowId, jti: plain.callbackId, iat: now, exp: now + 600 };
}

/** A token shaped exactly like a minted one for `plain` (so it verifies), with `changes` applied. */
async function forge(changes: { header?: Record<string, unknown>; claims?: Record<string, unknown>; key?: CryptoKey | Uint8Array } = {}): Promise<string> {
  const claims: Record<string, unknown> = { ...plainClaims(), ...changes.claims };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  const header = { alg: 'HS256', typ: 'dcb+jwt', kid: 'default', ...changes.header } as JWTHeaderParameters;
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete (header as Record<string, unknown>)[name];
  return new SignJWT(claims).setProtectedHeader(header).sign(changes.key ?? h.signingKey);
}

function encodeSegment(value: unknown): string {
  return base64url.encode(new TextEncoder().encode(JSON.stringify(value)));
}

/** HS256 over exactly these header and claims with the gateway's key, for headers jose refuses to sign. */
async function signCompact(header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
  const input = `${encodeSegment(header)}.${encodeSegment(claims)}`;
  const mac = await crypto.subtle.sign('HMAC', h.signingKey as unknown as Parameters<typeof crypto.subtle.sign>[1], new TextEncoder().encode(input));
  return `${input}.${base64url.encode(new Uint8Array(mac))}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Standard Webhooks headers for `body`, with any part replaced to make them wrong. */
function webhookHeaders(
  body: string,
  options: { id?: string; timestamp?: string | number; key?: Uint8Array; signedBody?: string; signedId?: string; scheme?: string } = {},
): Record<string, string> {
  const id = options.id ?? `evt_${randomUUID()}`;
  const timestamp = String(options.timestamp ?? nowSeconds());
  const signature = webhookSignature(options.key ?? webhookKey, options.signedId ?? id, timestamp, options.signedBody ?? body);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `${options.scheme ?? 'v1'},${signature}`,
  };
}

function rawPost(token: string, headers: string[], body = '', suffix = ''): string {
  return [`POST /callbacks/${token}${suffix} HTTP/1.1`, 'Host: 127.0.0.1', ...headers, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
}

beforeAll(async () => {
  h = await startHarness({ maxBodyBytes: MAX_BODY_BYTES, webhookSecrets: new Map([[SENDER, webhookKey]]), serverLimits: SERVER_LIMITS });
  [plain, keyed, signed] = await Promise.all([waiting({}), waiting({ requireApiKey: true }), waiting({ requireSignature: SENDER })]);
  // A valid token, complete headers, then a body that never completes (100 bytes announced).
  slowBody = rawExchange(h.gatewayPort, `POST /callbacks/${plain.token} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`, {
    timeoutMs: 45_000,
    responses: Infinity,
    dribble: { bytes: '"slowly, never finishing"', intervalMs: 400 },
    signal: stopSlow.signal,
  });
  // A valid token, and headers that never end.
  slowHeaders = rawExchange(h.gatewayPort, `POST /callbacks/${plain.token} HTTP/1.1\r\nHost: 127.0.0.1\r\n`, {
    timeoutMs: 45_000,
    responses: Infinity,
    dribble: { bytes: `X-Slow: ${'a'.repeat(200)}`, intervalMs: 400 },
    signal: stopSlow.signal,
  });
});

afterAll(async () => {
  stopSlow.abort();
  await Promise.all(extraHandles.map((handle) => handle.terminate().catch(() => undefined)));
  await h?.close();
});

describe('hostile requests', () => {
  /** After every hostile request: nothing reached any waiting workflow, and the gateway still serves. */
  afterEach(async () => {
    const events = await Promise.all([plain, keyed, signed].map((w) => deliveryEvents(w.handle)));
    expect(events).toEqual([NO_DELIVERY, NO_DELIVERY, NO_DELIVERY]);
    const health = await fetch(`${h.gatewayUrl}/healthz`);
    expect(health.status).toBe(200);
  });

  describe('forged and altered tokens', () => {
    test('baseline: an unaltered forged token verifies, so each refusal below is due to its one change', async () => {
      const verifier = createCallbackTokenVerifier(h.signingKey, { ...TEST_TOKEN_IDENTITY, namespace: 'default' });
      expect(await verifier.verify(await forge())).toMatchObject({ workflowId: plain.handle.workflowId, callbackId: plain.callbackId });
    });

    test("alg 'none' with the right typ and kid", async () => {
      const valid = await forge();
      const [, payload] = valid.split('.');
      const token = `${encodeSegment({ alg: 'none', typ: 'dcb+jwt', kid: 'default' })}.${payload}.`;
      await expectFetchRefusal(await postJson(at(token), { forged: true }), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test("alg 'none' asking for a synchronous answer (an update) is refused the same", async () => {
      const [, payload] = (await forge()).split('.');
      const token = `${encodeSegment({ alg: 'none', typ: 'dcb+jwt', kid: 'default' })}.${payload}.`;
      await expectFetchRefusal(await postJson(at(token), { forged: true }, { prefer: 'wait=5' }), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('an unknown kid', async () => {
      const token = await forge({ header: { kid: 'rotated-away' } });
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('a kid with path characters (../../etc/passwd)', async () => {
      const token = await forge({ header: { kid: '../../etc/passwd' } });
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('a kid that is a URL', async () => {
      const token = await forge({ header: { kid: 'https://attacker.example/jwks.json' } });
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('no kid at all', async () => {
      const token = await forge({ header: { kid: undefined } });
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('an expired token', async () => {
      const token = await forge({ claims: { iat: nowSeconds() - 3600, exp: nowSeconds() - 120 } });
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_EXPIRED', [token]);
    });

    test('an expired token asking for a synchronous answer (?wait=5)', async () => {
      const token = await forge({ claims: { iat: nowSeconds() - 3600, exp: nowSeconds() - 120 } });
      await expectFetchRefusal(await postJson(at(token, '', '?wait=5'), {}), 401, 'CALLBACK_TOKEN_EXPIRED', [token]);
    });

    test('a token not yet valid (nbf ten minutes ahead)', async () => {
      const token = await forge({ claims: { nbf: nowSeconds() + 600 } });
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('a wrong audience', async () => {
      const token = await forge({ claims: { aud: 'some-other-gateway' } });
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('a wrong issuer', async () => {
      const token = await forge({ claims: { iss: 'some-other-installation' } });
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test("a wrong typ (a plain 'JWT' from the same key)", async () => {
      const token = await forge({ header: { typ: 'JWT' } });
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('no typ at all', async () => {
      const token = await forge({ header: { typ: undefined } });
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('a crit header naming an extension the gateway does not implement', async () => {
      const header = { alg: 'HS256', typ: 'dcb+jwt', kid: 'default', crit: ['urn:attacker:skip-checks'], 'urn:attacker:skip-checks': true };
      const token = await signCompact(header, plainClaims());
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('a token without its jti (which callback) claim', async () => {
      const token = await forge({ claims: { jti: undefined } });
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('a truncated token: header and payload only', async () => {
      const token = plain.token.split('.').slice(0, 2).join('.');
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('a truncated token: the signature cut short', async () => {
      const token = plain.token.slice(0, -6);
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('a valid token with an extra segment appended', async () => {
      const token = `${plain.token}.${plain.token.split('.')[2]}`;
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('a valid token padded to five segments (posing as a JWE)', async () => {
      const token = `${plain.token}.AAAA.BBBB`;
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('a re-encoded payload (requiring no key, allowing GET) with the original signature', async () => {
      const [header, payload, signature] = plain.token.split('.');
      const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload!))) as Record<string, unknown>;
      const token = `${header}.${encodeSegment({ ...claims, get: true, exp: nowSeconds() + 86_400 })}.${signature}`;
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
      // The same claims, merely re-serialized with different whitespace, are refused too.
      const respaced = `${header}.${base64url.encode(new TextEncoder().encode(JSON.stringify(claims, null, 1)))}.${signature}`;
      await expectFetchRefusal(await postJson(at(respaced), {}), 401, 'CALLBACK_TOKEN_INVALID', [respaced]);
    });

    test('a token for another namespace', async () => {
      const token = await forge({ claims: { ns: 'production' } });
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('a token signed with another secret', async () => {
      const token = await forge({ key: randomBytes(32) });
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('a validly signed token of 10 KB', async () => {
      const token = await forge({ claims: { pad: 'x'.repeat(7_600) } });
      expect(token.length).toBeGreaterThan(10_000);
      await expectFetchRefusal(await postJson(at(token), {}), 401, 'CALLBACK_TOKEN_INVALID', [token]);
    });

    test('a valid token with a NUL byte (%00) appended', async () => {
      await expectFetchRefusal(await postJson(at(`${plain.token}%00`), {}), 401, 'CALLBACK_TOKEN_INVALID');
    });

    // Express's router cannot decode the parameter (URIError): a malformed token, never a 500.
    test('a valid token with an invalid percent-escape (%ff) appended is refused as a malformed token, not a 500', async () => {
      const got = await refusalOf(await postJson(at(`${plain.token}%ff`), {}));
      expect([400, 401]).toContain(got.status);
      expectRefusal(got, got.status, got.status === 400 ? 'MALFORMED_REQUEST' : 'CALLBACK_TOKEN_INVALID', realTokens());
    });

    test('a valid API key does not rescue a forged token', async () => {
      const { key } = await h.apiKeys.create({ name: 'hostile-rescue', scopes: ['workflows:execute'] });
      const token = await forge({ key: randomBytes(32), claims: { akr: true } });
      await expectFetchRefusal(await postJson(at(token), {}, { 'x-api-key': key }), 401, 'CALLBACK_TOKEN_INVALID', [token, key]);
    });
  });

  describe('a gateway verifying with an EdDSA key ring', () => {
    const ED_KID = 'ed-hostile';
    const ENC_KID = 'enc-hostile';
    let dir: string;
    let ringGateway: Listening;
    let publicJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
    let encryptionSecret: Uint8Array;
    /** A properly EdDSA-signed token for `plain`: what only the worker can make. */
    let genuine: string;
    let control: Waiting;
    let controlToken: string;

    beforeAll(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-hostile-ring-'));
      const workerRingFile = path.join(dir, 'worker-ring.json');
      const gatewayRingFile = path.join(dir, 'gateway-ring.json');
      await addSigningKey(workerRingFile, { alg: 'EdDSA', kid: ED_KID });
      await addEncryptionKey(workerRingFile, { kid: ENC_KID });
      await exportGatewayRing(workerRingFile, gatewayRingFile);
      const file = await readKeyRingFile(gatewayRingFile);
      publicJwk = (file.keys[0] as { publicJwk: typeof publicJwk }).publicJwk;
      encryptionSecret = base64url.decode(file.encryption!.keys[0]!.secret);
      const gatewayRing = await loadKeyRing({ kind: 'ring-file', path: gatewayRingFile });
      ringGateway = await listen(
        createGateway({ client: h.client, verifier: createCallbackTokenVerifier(gatewayRing, { ...TEST_TOKEN_IDENTITY, namespace: 'default' }), apiKeys: h.apiKeys }),
      );
      const workerMinter = createCallbackTokenMinter(await loadKeyRing({ kind: 'ring-file', path: workerRingFile }), TEST_TOKEN_IDENTITY);
      const claims = { namespace: 'default', expiresAt: new Date(Date.now() + 10 * 60_000), requiresApiKey: false, allowGet: false };
      genuine = await workerMinter.mint({ ...claims, workflowId: plain.handle.workflowId, callbackId: plain.callbackId });
      control = await waiting({});
      controlToken = await workerMinter.mint({ ...claims, workflowId: control.handle.workflowId, callbackId: control.callbackId });
    });
    afterEach(async () => {
      expect((await fetch(`${ringGateway.url}/healthz`)).status).toBe(200);
    });
    afterAll(async () => {
      await ringGateway?.close();
      await fs.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    });

    async function ringRefusal(token: string): Promise<void> {
      const got = await refusalOf(await postJson(`${ringGateway.url}/callbacks/${token}`, { forged: true }));
      expectRefusal(got, 401, 'CALLBACK_TOKEN_INVALID', [token, genuine, ...realTokens()]);
    }

    test('algorithm confusion: HS256 "signed" with the EdDSA public key (raw, base64url, JWK, PEM) is refused', async () => {
      const pem = createPublicKey({ key: publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
      const secrets = [base64url.decode(publicJwk.x), new TextEncoder().encode(publicJwk.x), new TextEncoder().encode(JSON.stringify(publicJwk)), new TextEncoder().encode(pem)];
      for (const secret of secrets) {
        await ringRefusal(await forge({ header: { alg: 'HS256', kid: ED_KID }, key: secret }));
      }
    });

    test("alg 'none' naming the EdDSA key", async () => {
      const [, payload] = genuine.split('.');
      await ringRefusal(`${encodeSegment({ alg: 'none', typ: 'dcb+jwt', kid: ED_KID })}.${payload}.`);
    });

    test("an attacker's own Ed25519 key, embedded in the header as jwk, under the ring's kid", async () => {
      const attacker = await generateKeyPair('EdDSA');
      const jwk = await exportJWK(attacker.publicKey);
      await ringRefusal(await forge({ header: { alg: 'EdDSA', kid: ED_KID, jwk }, key: attacker.privateKey }));
    });

    test('a JWE encrypted with a wrong key (wrapping a genuinely signed token)', async () => {
      const token = await new CompactEncrypt(new TextEncoder().encode(genuine))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'JWT', kid: ENC_KID })
        .encrypt(randomBytes(32));
      await ringRefusal(token);
    });

    test('a JWE encrypted with the right key but wrapping an unsigned token', async () => {
      const [, payload] = genuine.split('.');
      const unsigned = `${encodeSegment({ alg: 'none', typ: 'dcb+jwt', kid: ED_KID })}.${payload}.`;
      const token = await new CompactEncrypt(new TextEncoder().encode(unsigned))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'JWT', kid: ENC_KID })
        .encrypt(encryptionSecret);
      await ringRefusal(token);
    });

    test('a JWE with the right key but another key-management algorithm (A256KW)', async () => {
      const token = await new CompactEncrypt(new TextEncoder().encode(genuine))
        .setProtectedHeader({ alg: 'A256KW', enc: 'A256GCM', cty: 'JWT', kid: ENC_KID })
        .encrypt(encryptionSecret);
      await ringRefusal(token);
    });

    test('control: the same ring gateway delivers a genuinely EdDSA-signed token', async () => {
      const response = await postJson(`${ringGateway.url}/callbacks/${controlToken}`, { genuine: true });
      expect(response.status).toBe(202);
      expect(await control.handle.result()).toMatchObject({ status: 'received', data: { genuine: true } });
    });
  });

  describe('API keys', () => {
    test('a revoked key', async () => {
      const { key, info } = await h.apiKeys.create({ name: 'hostile-revoked', scopes: ['workflows:execute'] });
      await h.apiKeys.revoke(info.id);
      await expectFetchRefusal(await postJson(keyed.url, {}, { 'x-api-key': key }), 401, 'API_KEY_REVOKED', [key]);
    });

    test('an expired key', async () => {
      const { key } = await h.apiKeys.create({ name: 'hostile-expired', scopes: ['workflows:execute'], expiresAt: new Date(Date.now() - 1_000) });
      await expectFetchRefusal(await postJson(keyed.url, {}, { authorization: `Bearer ${key}` }), 401, 'API_KEY_EXPIRED', [key]);
    });

    test('a key without the workflows:execute scope', async () => {
      const { key } = await h.apiKeys.create({ name: 'hostile-reader', scopes: ['workflows:read'] });
      await expectFetchRefusal(await postJson(keyed.url, {}, { 'x-api-key': key }), 403, 'API_KEY_FORBIDDEN', [key]);
    });

    test('a well-formed key of another installation (unknown to this store)', async () => {
      const { key } = generateApiKey();
      await expectFetchRefusal(await postJson(keyed.url, {}, { 'x-api-key': key }), 401, 'API_KEY_INVALID', [key]);
    });

    test('a known key id with a wrong secret, in the query string', async () => {
      const { key } = await h.apiKeys.create({ name: 'hostile-wrong-secret', scopes: ['workflows:execute'] });
      const wrong = `${key.slice(0, key.lastIndexOf('_') + 1)}${randomBytes(32).toString('base64url')}`;
      await expectFetchRefusal(await postJson(`${keyed.url}?api_key=${encodeURIComponent(wrong)}`, {}), 401, 'API_KEY_INVALID', [key, wrong]);
    });

    test('no key at all', async () => {
      await expectFetchRefusal(await postJson(keyed.url, {}), 401, 'API_KEY_MISSING');
    });

    test('a bearer value that is not in the key format', async () => {
      await expectFetchRefusal(await postJson(keyed.url, {}, { authorization: "Bearer ' OR 1=1 --" }), 401, 'API_KEY_INVALID');
    });

    test('a wrong key asking for a synchronous answer (an update)', async () => {
      const { key } = generateApiKey();
      await expectFetchRefusal(await postJson(keyed.url, {}, { 'x-api-key': key, prefer: 'wait=5' }), 401, 'API_KEY_INVALID', [key]);
    });
  });

  describe('Standard Webhooks signatures', () => {
    const body = JSON.stringify({ event: 'ticket.assigned', assignee: 'mallory' });

    test('no signature headers at all', async () => {
      const response = await fetch(signed.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await expectFetchRefusal(response, 401, 'SIGNATURE_MISSING');
    });

    test('webhook-id and webhook-timestamp without webhook-signature', async () => {
      const { 'webhook-signature': _dropped, ...headers } = webhookHeaders(body);
      await expectFetchRefusal(await fetch(signed.url, { method: 'POST', headers, body }), 401, 'SIGNATURE_MISSING');
    });

    test('a stale timestamp (an hour old), correctly signed', async () => {
      const headers = webhookHeaders(body, { timestamp: nowSeconds() - 3600 });
      await expectFetchRefusal(await fetch(signed.url, { method: 'POST', headers, body }), 401, 'SIGNATURE_TIMESTAMP_INVALID', [headers['webhook-signature']]);
    });

    test('a captured request replayed after the five-minute window', async () => {
      const headers = webhookHeaders(body, { timestamp: nowSeconds() - 6 * 60 });
      await expectFetchRefusal(await fetch(signed.url, { method: 'POST', headers, body }), 401, 'SIGNATURE_TIMESTAMP_INVALID', [headers['webhook-signature']]);
    });

    test('a timestamp ten minutes in the future, correctly signed', async () => {
      const headers = webhookHeaders(body, { timestamp: nowSeconds() + 600 });
      await expectFetchRefusal(await fetch(signed.url, { method: 'POST', headers, body }), 401, 'SIGNATURE_TIMESTAMP_INVALID', [headers['webhook-signature']]);
    });

    test('a timestamp that is not Unix seconds', async () => {
      const headers = webhookHeaders(body, { timestamp: new Date().toISOString() });
      await expectFetchRefusal(await fetch(signed.url, { method: 'POST', headers, body }), 401, 'SIGNATURE_TIMESTAMP_INVALID');
    });

    test('a signature over a different body', async () => {
      const headers = webhookHeaders(body, { signedBody: JSON.stringify({ event: 'ticket.assigned', assignee: 'alice' }) });
      await expectFetchRefusal(await fetch(signed.url, { method: 'POST', headers, body }), 401, 'SIGNATURE_INVALID', [headers['webhook-signature']]);
    });

    test("a signature made with another sender's secret", async () => {
      const headers = webhookHeaders(body, { key: randomBytes(32) });
      await expectFetchRefusal(await fetch(signed.url, { method: 'POST', headers, body }), 401, 'SIGNATURE_INVALID');
    });

    test('a signature computed for another webhook-id', async () => {
      const headers = webhookHeaders(body, { signedId: 'evt_the_original' });
      await expectFetchRefusal(await fetch(signed.url, { method: 'POST', headers, body }), 401, 'SIGNATURE_INVALID');
    });

    test('a correct signature under an unknown scheme (v1a)', async () => {
      const headers = webhookHeaders(body, { scheme: 'v1a' });
      await expectFetchRefusal(await fetch(signed.url, { method: 'POST', headers, body }), 401, 'SIGNATURE_INVALID');
    });

    test('a bad signature asking for a synchronous answer (an update)', async () => {
      const headers = { ...webhookHeaders(body, { key: randomBytes(32) }), prefer: 'wait=5' };
      await expectFetchRefusal(await fetch(signed.url, { method: 'POST', headers, body }), 401, 'SIGNATURE_INVALID');
    });

    test('a replay inside the window with the same webhook-id is accepted again, but the workflow applies it once', async () => {
      const stream = await waiting({ requireSignature: SENDER, mode: 'stream' });
      const headers = webhookHeaders(body, { id: 'evt_replayed_inside_window' });
      const first = await fetch(stream.url, { method: 'POST', headers, body });
      const replay = await fetch(stream.url, { method: 'POST', headers, body });
      expect([first.status, replay.status]).toEqual([202, 202]);
      expect(await replay.json()).toMatchObject({ deliveryId: 'evt_replayed_inside_window' });
      // Synchronously, the workflow itself says the replay is a duplicate.
      const sync = await fetch(stream.url, { method: 'POST', headers: { ...headers, prefer: 'wait=10' }, body });
      expect(sync.status).toBe(200);
      expect(await sync.json()).toMatchObject({ status: 'duplicate', deliveryId: 'evt_replayed_inside_window' });
      const [info] = await stream.handle.query(callbacksQuery);
      expect(info?.deliveries).toBe(1);
      expect((await deliveryEvents(stream.handle)).signals).toBe(2);
    });
  });

  describe('bodies', () => {
    test('a body over the limit (413)', async () => {
      await expectFetchRefusal(await postJson(plain.url, { big: 'x'.repeat(MAX_BODY_BYTES + 100) }), 413, 'PAYLOAD_TOO_LARGE');
    });

    test('a gzip bomb: 1 KB on the wire, 1 MB inflated (413)', async () => {
      const bomb = zlib.gzipSync(JSON.stringify({ big: 'x'.repeat(1_000_000) }));
      expect(bomb.byteLength).toBeLessThan(MAX_BODY_BYTES);
      const response = await fetch(plain.url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
      await expectFetchRefusal(response, 413, 'PAYLOAD_TOO_LARGE');
    });

    test('a form with more than 1000 fields (413)', async () => {
      const form = Array.from({ length: 1_001 }, (_, i) => `f${i}=`).join('&');
      expect(Buffer.byteLength(form)).toBeLessThan(MAX_BODY_BYTES);
      const response = await fetch(plain.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
      await expectFetchRefusal(response, 413, 'PAYLOAD_TOO_LARGE');
    });

    test('JSON nested 33 levels deep (BODY_TOO_DEEP)', async () => {
      const response = await fetch(plain.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `${'['.repeat(33)}${']'.repeat(33)}` });
      await expectFetchRefusal(response, 400, 'BODY_TOO_DEEP');
    });

    test('JSON nested 1000 (objects) and 4000 (arrays) levels deep (BODY_TOO_DEEP)', async () => {
      const objects = await fetch(plain.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `${'{"a":'.repeat(1_000)}1${'}'.repeat(1_000)}` });
      await expectFetchRefusal(objects, 400, 'BODY_TOO_DEEP');
      const arrays = await fetch(plain.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `${'['.repeat(4_000)}${']'.repeat(4_000)}` });
      await expectFetchRefusal(arrays, 400, 'BODY_TOO_DEEP');
    });

    test('invalid UTF-8 in a JSON body (MALFORMED_BODY)', async () => {
      const bytes = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]);
      const response = await fetch(plain.url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: bytes });
      await expectFetchRefusal(response, 400, 'MALFORMED_BODY');
    });

    test('invalid UTF-8 in a text body (MALFORMED_BODY)', async () => {
      const response = await fetch(plain.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.from([0x61, 0xed, 0xa0, 0x80, 0x62]) });
      await expectFetchRefusal(response, 400, 'MALFORMED_BODY');
    });

    test('a wrong content type (application/xml)', async () => {
      const response = await fetch(plain.url, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>' });
      await expectFetchRefusal(response, 415, 'UNSUPPORTED_CONTENT_TYPE');
    });

    test('a body without a content type', async () => {
      await expectFetchRefusal(await fetch(plain.url, { method: 'POST', body: new Blob(['{"no":"type"}']) }), 415, 'UNSUPPORTED_CONTENT_TYPE');
    });

    test('an unsupported charset (JSON in iso-8859-1)', async () => {
      const response = await fetch(plain.url, { method: 'POST', headers: { 'content-type': 'application/json; charset=iso-8859-1' }, body: '{}' });
      await expectFetchRefusal(response, 415, 'UNSUPPORTED_CONTENT_TYPE');
    });

    test('an unsupported Content-Encoding (compress)', async () => {
      const response = await fetch(plain.url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'compress' }, body: '{}' });
      await expectFetchRefusal(response, 415, 'UNSUPPORTED_CONTENT_TYPE');
    });

    test('a body that claims gzip but is not (MALFORMED_BODY)', async () => {
      const response = await fetch(plain.url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: '{"not":"gzip"}' });
      await expectFetchRefusal(response, 400, 'MALFORMED_BODY');
    });
  });

  describe('requests the HTTP parser refuses (raw bytes)', () => {
    test('headers over the 16 KiB limit (431)', async () => {
      const exchange = await rawExchange(h.gatewayPort, rawPost(plain.token, ['Content-Type: application/json', `X-Padding: ${'a'.repeat(20_000)}`], '{}'), {
        responses: Infinity,
      });
      expectRawRefusal(exchange, 431, 'HEADERS_TOO_LARGE');
      expect(exchange.closed).toBe(true);
    });

    test('a request line that is not HTTP', async () => {
      expectRawRefusal(await rawExchange(h.gatewayPort, `GARBAGE /callbacks/${plain.token}\r\n\r\n`), 400, 'MALFORMED_REQUEST');
    });

    test('an HTTP/2 preface sent to the HTTP/1.1 port', async () => {
      expectRawRefusal(await rawExchange(h.gatewayPort, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), 400, 'MALFORMED_REQUEST');
    });

    test('a header name with a space in it', async () => {
      expectRawRefusal(await rawExchange(h.gatewayPort, rawPost(plain.token, ['Content-Type: application/json', 'Bad Header: 1'], '{}')), 400, 'MALFORMED_REQUEST');
    });

    test('a control character (\\x01) in Idempotency-Key', async () => {
      expectRawRefusal(await rawExchange(h.gatewayPort, rawPost(plain.token, ['Content-Type: application/json', 'Idempotency-Key: abc\x01def'], '{}')), 400, 'MALFORMED_REQUEST');
    });

    test('Content-Length and Transfer-Encoding together (request smuggling)', async () => {
      const request = `POST /callbacks/${plain.token} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`;
      expectRawRefusal(await rawExchange(h.gatewayPort, request), 400, 'MALFORMED_REQUEST');
    });

    test('two different Content-Length headers', async () => {
      expectRawRefusal(await rawExchange(h.gatewayPort, rawPost(plain.token, ['Content-Type: application/json', 'Content-Length: 7'], '{}')), 400, 'MALFORMED_REQUEST');
    });

    test('an invalid chunk size in a chunked body', async () => {
      const request = `POST /callbacks/${plain.token} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`;
      // The client stays connected a moment after the refusal, as a real one would: one that hangs
      // up at once races the body read (see the half-close bug below) and may deliver data null.
      expectRawRefusal(await rawExchange(h.gatewayPort, request, { lingerMs: 1_000 }), 400, 'MALFORMED_REQUEST');
    });

    test('a Content-Length shorter than the body: the request is refused for its body, the tail gets no answer of its own', async () => {
      // The announced 7 bytes are `{"cut":` (not JSON); the rest would be a next request, which
      // is not HTTP. The connection stays open a moment, as a real client's would.
      const request = `POST /callbacks/${plain.token} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"cut":"smuggled"}\r\n\r\n`;
      const exchange = await rawExchange(h.gatewayPort, request, { responses: Infinity, lingerMs: 1_000 });
      expectRawRefusal(exchange, 400, 'MALFORMED_BODY');
      expect(exchange.responses).toHaveLength(1);
      expect(exchange.closed).toBe(true);
    });

    // The sender half-closes while its token is being verified: the body can no longer be read,
    // which must never be delivered as "no data".
    test('a body cut short of its Content-Length, then the connection half-closed: 400, and nothing delivered', async () => {
      const victim = await waiting({ mode: 'stream' });
      const request = `POST /callbacks/${victim.token} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"cut":`;
      const exchange = await rawExchange(h.gatewayPort, request, { halfClose: true, responses: Infinity });
      const got = rawRefusalOf(exchange.responses[0] ?? { status: 0, headers: {}, body: '' });
      expectRefusal(got, 400, got.code === 'MALFORMED_BODY' ? 'MALFORMED_BODY' : 'MALFORMED_REQUEST', [victim.token]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await deliveryEvents(victim.handle)).toEqual(NO_DELIVERY);
    });

    // A complete request followed at once by FIN (as `nc -N` or an HTTP/1.0 client may send it).
    test('a complete request whose sender half-closes at once is never delivered with its body replaced by null', async () => {
      const victim = await waiting({ mode: 'stream' });
      const exchange = await rawExchange(h.gatewayPort, rawPost(victim.token, ['Content-Type: application/json'], '{"decision":"approve"}'), { halfClose: true, responses: Infinity });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const history = await victim.handle.fetchHistory();
      const delivered = (history.events ?? [])
        .filter((event) => event.workflowExecutionSignaledEventAttributes != null)
        .map((event) => (JSON.parse(Buffer.from(event.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!.data!).toString()) as { data: unknown }).data);
      // Either it was delivered as sent (and then answered 202), or not at all.
      expect([[], [{ decision: 'approve' }]]).toContainEqual(delivered);
      if (delivered.length === 1) expect(exchange.responses[0]?.status).toBe(202);
    });

    // A complete, valid request followed in the same packet by bytes that are not HTTP: the
    // request gets its own answer, the garbage none.
    test('a complete valid request pipelined with garbage is answered truthfully', async () => {
      const victim = await waiting({ mode: 'stream' });
      const request = `${rawPost(victim.token, ['Content-Type: application/json'], '{"first":true}')}GARBAGE\r\n\r\n`;
      const exchange = await rawExchange(h.gatewayPort, request, { responses: Infinity, lingerMs: 1_000 });
      const { signals } = await deliveryEvents(victim.handle);
      expect([
        { first: 202, signals: 1 },
        { first: 400, signals: 0 },
      ]).toContainEqual({ first: exchange.responses[0]?.status, signals });
    });

    test('a slow body (Content-Length 100, a few bytes dribbled) is cut off with 408', async () => {
      const exchange = await slowBody;
      expect(exchange.timedOut).toBe(false);
      expectRawRefusal(exchange, 408, 'REQUEST_TIMEOUT');
      expect(exchange.closed).toBe(true);
      // Node checks request timeouts on its connections-checking interval (30 s by default), so a
      // 1.5 s requestTimeoutMs cuts a slow sender off after 1.5 to ~31.5 s, not after 1.5 s.
      expect(exchange.elapsedMs).toBeGreaterThanOrEqual(SERVER_LIMITS.requestTimeoutMs);
      expect(exchange.elapsedMs).toBeLessThan(SERVER_LIMITS.requestTimeoutMs + 30_000 + 10_000);
    }, 60_000);

    test('slow headers (never finished) are cut off with 408', async () => {
      const exchange = await slowHeaders;
      expect(exchange.timedOut).toBe(false);
      expectRawRefusal(exchange, 408, 'REQUEST_TIMEOUT');
      expect(exchange.closed).toBe(true);
      expect(exchange.elapsedMs).toBeLessThan(SERVER_LIMITS.headersTimeoutMs + 30_000 + 10_000);
    }, 60_000);

    // Node hands CONNECT to 'connect' listeners only; the gateway refuses it like other methods.
    test('CONNECT is refused with a JSON answer', async () => {
      const exchange = await rawExchange(h.gatewayPort, `CONNECT /callbacks/${plain.token} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      const got = rawRefusalOf(exchange.responses[0] ?? { status: 0, headers: {}, body: '' });
      expect([400, 405]).toContain(got.status);
      expectRefusal(got, got.status, got.status === 400 ? 'MALFORMED_REQUEST' : 'METHOD_NOT_ALLOWED', realTokens());
    });
  });

  describe('methods', () => {
    for (const method of ['DELETE', 'PATCH', 'OPTIONS'] as const) {
      test(`${method} on a callback URL (405 with Allow)`, async () => {
        const response = await fetch(plain.url, { method, headers: { 'content-type': 'application/json' }, ...(method === 'OPTIONS' ? {} : { body: '{}' }) });
        expect(response.headers.get('allow')).toBe('POST, PUT');
        await expectFetchRefusal(response, 405, 'METHOD_NOT_ALLOWED');
      });
    }

    test('TRACE on a callback URL (405 with Allow)', async () => {
      const exchange = await rawExchange(h.gatewayPort, `TRACE /callbacks/${plain.token} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      expectRawRefusal(exchange, 405, 'METHOD_NOT_ALLOWED');
      expect(exchange.responses[0]!.headers.allow).toBe('POST, PUT');
    });

    test('HEAD never delivers, even on a callback that allows GET', async () => {
      const allowGet = await h.minter.mint({
        namespace: 'default',
        workflowId: plain.handle.workflowId,
        callbackId: plain.callbackId,
        expiresAt: new Date(Date.now() + 10 * 60_000),
        requiresApiKey: false,
        allowGet: true,
      });
      const response = await fetch(at(allowGet, '', '?decision=approve'), { method: 'HEAD' });
      // A HEAD answer has no body, so the code cannot be read; status, Allow and headers can.
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST, PUT');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(await response.text()).toBe('');
    });

    test('GET on a callback created without allowGet (a link preview)', async () => {
      const response = await fetch(`${plain.url}?decision=approve`, { headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0' } });
      expect(response.headers.get('allow')).toBe('POST, PUT');
      await expectFetchRefusal(response, 405, 'METHOD_NOT_ALLOWED');
    });

    test('GET on the fail route of a callback that allows GET', async () => {
      const allowGet = await h.minter.mint({
        namespace: 'default',
        workflowId: plain.handle.workflowId,
        callbackId: plain.callbackId,
        expiresAt: new Date(Date.now() + 10 * 60_000),
        requiresApiKey: false,
        allowGet: true,
      });
      await expectFetchRefusal(await fetch(at(allowGet, '/fail', '?error=x')), 405, 'METHOD_NOT_ALLOWED', [allowGet]);
    });
  });

  describe('paths', () => {
    test('/callbacks/../healthz is not normalised into another route', async () => {
      const exchange = await rawExchange(h.gatewayPort, 'GET /callbacks/../healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      expectRawRefusal(exchange, 404, 'ROUTE_NOT_FOUND');
    });

    test('/callbacks/%2e%2e/x is not a route', async () => {
      const exchange = await rawExchange(h.gatewayPort, 'POST /callbacks/%2e%2e/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n');
      expectRawRefusal(exchange, 404, 'ROUTE_NOT_FOUND');
    });

    test('a valid token followed by /%2e%2e/complete is not a route', async () => {
      const exchange = await rawExchange(h.gatewayPort, rawPost(plain.token, ['Content-Type: application/json'], '{}', '/%2e%2e/complete'));
      expectRawRefusal(exchange, 404, 'ROUTE_NOT_FOUND');
    });

    test('an encoded traversal in the token position (..%2f..%2fhealthz) is an invalid token', async () => {
      const exchange = await rawExchange(h.gatewayPort, 'POST /callbacks/..%2f..%2fhealthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n');
      expectRawRefusal(exchange, 401, 'CALLBACK_TOKEN_INVALID');
    });

    // A sender that mistypes the route (/callback/<token>) must not get its token back.
    test('a token under a mistyped route (/callback/<token>) is not echoed in the 404', async () => {
      await expectFetchRefusal(await postJson(`${h.gatewayUrl}/callback/${plain.token}`, {}), 404, 'ROUTE_NOT_FOUND');
    });
  });

  describe('query and delivery headers', () => {
    test('?wait=abc (INVALID_WAIT)', async () => {
      await expectFetchRefusal(await postJson(`${plain.url}?wait=abc`, {}), 400, 'INVALID_WAIT');
    });

    test('?wait=0 and a repeated ?wait= (INVALID_WAIT)', async () => {
      await expectFetchRefusal(await postJson(`${plain.url}?wait=0`, {}), 400, 'INVALID_WAIT');
      await expectFetchRefusal(await postJson(`${plain.url}?wait=5&wait=6`, {}), 400, 'INVALID_WAIT');
    });

    test('an Idempotency-Key of 300 characters', async () => {
      await expectFetchRefusal(await postJson(plain.url, {}, { 'idempotency-key': 'k'.repeat(300) }), 400, 'INVALID_DELIVERY_ID');
    });

    test('a tab inside Idempotency-Key (passes the HTTP parser, refused by the gateway)', async () => {
      const exchange = await rawExchange(h.gatewayPort, rawPost(plain.token, ['Content-Type: application/json', 'Idempotency-Key: abc\tdef'], '{}'));
      expectRawRefusal(exchange, 400, 'INVALID_DELIVERY_ID');
    });

    test('non-ASCII bytes in Idempotency-Key', async () => {
      const request = Buffer.from(rawPost(plain.token, ['Content-Type: application/json', 'Idempotency-Key: caf\xe9-\xff'], '{}'), 'latin1');
      expectRawRefusal(await rawExchange(h.gatewayPort, request), 400, 'INVALID_DELIVERY_ID');
    });

    test('a webhook-id with a space, on a plain callback', async () => {
      await expectFetchRefusal(await postJson(plain.url, {}, { 'webhook-id': 'evt 1' }), 400, 'INVALID_DELIVERY_ID');
    });

    test('/fail without an error message', async () => {
      await expectFetchRefusal(await postJson(at(plain.token, '/fail'), { reason: 'no error object' }), 422, 'INVALID_FAILURE_REPORT');
      await expectFetchRefusal(await postJson(at(plain.token, '/fail'), { error: { message: '' } }), 422, 'INVALID_FAILURE_REPORT');
      await expectFetchRefusal(await postJson(at(plain.token, '/fail'), { error: { message: 'x', type: 42 } }), 422, 'INVALID_FAILURE_REPORT');
    });

    test('/fail without an error message, asking for a synchronous answer', async () => {
      await expectFetchRefusal(await postJson(at(plain.token, '/fail'), {}, { prefer: 'wait=5' }), 422, 'INVALID_FAILURE_REPORT');
    });
  });

  describe('rate limits', () => {
    const opened: Listening[] = [];
    async function limitedGateway(rateLimits: GatewayDeps['rateLimits']): Promise<Listening> {
      const gateway = await listen(
        createGateway({
          client: h.client,
          verifier: createCallbackTokenVerifier(h.signingKey, { ...TEST_TOKEN_IDENTITY, namespace: 'default' }),
          apiKeys: h.apiKeys,
          rateLimits,
        }),
      );
      opened.push(gateway);
      return gateway;
    }
    afterEach(async () => {
      for (const gateway of opened) expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    });
    afterAll(async () => {
      await Promise.all(opened.map((gateway) => gateway.close()));
    });

    /** Requests the gateway authenticates, then refuses for their body: they count, but deliver nothing. */
    function undeliverable(url: string, headers: Record<string, string> = {}): Promise<Response> {
      return fetch(url, { method: 'POST', headers: { 'content-type': 'application/xml', ...headers }, body: '<x/>' });
    }

    test('per client IP: the 4th request in a minute gets 429 with Retry-After, even with a valid token and body', async () => {
      const gateway = await limitedGateway({ perIp: { perMinute: 3 } });
      const url = `${gateway.url}/callbacks/${plain.token}`;
      for (let i = 0; i < 3; i++) expect((await undeliverable(url)).status).toBe(415);
      const limited = await postJson(url, { fourth: true });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      await expectFetchRefusal(limited, 429, 'RATE_LIMITED');
    });

    test('per client IP: requests with bad tokens count too (a token brute-forcer is slowed)', async () => {
      const gateway = await limitedGateway({ perIp: { perMinute: 3 } });
      for (let i = 0; i < 3; i++) {
        expect((await postJson(`${gateway.url}/callbacks/guess-${i}`, {})).status).toBe(401);
      }
      const limited = await postJson(`${gateway.url}/callbacks/guess-4`, {});
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      await expectFetchRefusal(limited, 429, 'RATE_LIMITED');
    });

    test('per client IP: a spoofed X-Forwarded-For does not escape the limit', async () => {
      const gateway = await limitedGateway({ perIp: { perMinute: 3 } });
      for (let i = 0; i < 3; i++) {
        expect((await postJson(`${gateway.url}/callbacks/guess-${i}`, {}, { 'x-forwarded-for': `203.0.113.${i}` })).status).toBe(401);
      }
      const limited = await postJson(`${gateway.url}/callbacks/guess-4`, {}, { 'x-forwarded-for': '203.0.113.99' });
      await expectFetchRefusal(limited, 429, 'RATE_LIMITED');
    });

    test('per API key: the 3rd request with one key gets 429 with Retry-After; another key is unaffected', async () => {
      const gateway = await limitedGateway({ perKey: { perMinute: 2 } });
      const url = `${gateway.url}/callbacks/${keyed.token}`;
      const first = await h.apiKeys.create({ name: 'hostile-rate-1', scopes: ['workflows:execute'] });
      const second = await h.apiKeys.create({ name: 'hostile-rate-2', scopes: ['workflows:execute'] });
      for (let i = 0; i < 2; i++) expect((await undeliverable(url, { 'x-api-key': first.key })).status).toBe(415);
      const limited = await postJson(url, { third: true }, { 'x-api-key': first.key });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      await expectFetchRefusal(limited, 429, 'RATE_LIMITED', [first.key]);
      expect((await undeliverable(url, { 'x-api-key': second.key })).status).toBe(415);
    });
  });
});

describe('server limits', () => {
  // REQUEST_TIMEOUT_MS accepts 1000..9999; the headers timeout must then shrink with it.
  test('a request timeout under 10 s (allowed by the configuration) still builds a server', () => {
    expect(() => createGatewayServer(express(), { requestTimeoutMs: 5_000 })).not.toThrow();
  });
});

describe('after every hostile request above', () => {
  test('the gateway still delivers: the plain, keyed and signed callbacks each take one genuine delivery', async () => {
    expect(await deliveryEvents(plain.handle)).toEqual(NO_DELIVERY);
    expect((await postJson(plain.url, { genuine: 'plain' })).status).toBe(202);
    expect(await plain.handle.result()).toMatchObject({ status: 'received', data: { genuine: 'plain' } });

    const { key } = await h.apiKeys.create({ name: 'genuine', scopes: ['workflows:execute'] });
    expect((await postJson(keyed.url, { genuine: 'keyed' }, { 'x-api-key': key })).status).toBe(202);
    expect(await keyed.handle.result()).toMatchObject({ status: 'received', data: { genuine: 'keyed' } });

    const body = JSON.stringify({ genuine: 'signed' });
    expect((await fetch(signed.url, { method: 'POST', headers: webhookHeaders(body), body })).status).toBe(202);
    expect(await signed.handle.result()).toMatchObject({ status: 'received', data: { genuine: 'signed' } });

    for (const w of [plain, keyed, signed]) expect(await deliveryEvents(w.handle)).toEqual({ signals: 1, updates: 0 });
  });
});
