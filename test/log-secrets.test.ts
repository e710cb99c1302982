import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { WorkflowHandle } from '@temporalio/client';
import { Client, Connection } from '@temporalio/client';
import { createGateway, type GatewayDeps } from '../callback-gateway';
import { startGateway } from '../callback-gateway/server';
import { STANDARD_WEBHOOKS_SECRET_PREFIX } from '../callback-gateway/standard-webhooks';
import { generateApiKey } from '../api-keys';
import { importSigningKey, type CallbackClaims } from '../tokens/callback-token';
import { loadGatewayConfig } from '../callback-gateway/config';
import { KEY_SETUP_MESSAGE } from '../tokens/describe-key-setup';
import { createJsonLogger, createPrettyLogger, type Logger } from '../callback-gateway/logger';
import { createCallbackTokenMinter, type CallbackTokenMinter } from '../tokens/mint-callback-token';
import { createCallbackTokenVerifier } from '../tokens/verify-callback-token';
import { postJson, startHarness, TEST_TOKEN_IDENTITY, type Harness } from './support/harness';
import { listen, type Listening } from './support/listen';
import { testGatewayEnv } from './support/test-env';
import { mintFor, nowSeconds, startWaiting, webhookHeaders, type WaitingCallback } from './support/tokens';

/**
 * Every gateway log line written while the main paths run (deliveries with tokens, API keys in
 * the query and in headers, Standard Webhooks signatures, synchronous answers, refusals of every
 * kind, Temporal unreachable) is scanned for every secret involved: tokens and their signatures,
 * API keys and their secrets, the webhook secret in each encoding and the signatures made with
 * it, and the token signing key in base64, base64url and hex. The logs are written both as JSON
 * lines and as the readable format.
 */

const SENDER = 'acme';
const webhookKey = randomBytes(32);
/** The signing secret of this file's own gateway, known here so its bytes can be searched for. */
const signingSecret = randomBytes(32);

let h: Harness;
let gateway: Listening;
let minter: CallbackTokenMinter;
const lines: string[] = [];
/** Every secret used, by what it is. */
const secrets = new Map<string, string>();
const handles: WorkflowHandle[] = [];

function remember(label: string, secret: string | undefined): void {
  if (secret && secret.length >= 12) secrets.set(`${label} #${secrets.size}`, secret);
}

function rememberToken(label: string, token: string): void {
  remember(label, token);
  remember(`${label} (signature)`, token.split('.')[2]);
}

function rememberKey(label: string, key: string): void {
  remember(label, key);
  remember(`${label} (secret part)`, key.slice(key.lastIndexOf('_') + 1));
}

/** Both log formats, into one list. */
function bothFormats(sink: string[]): Logger {
  const json = createJsonLogger({ write: (line: string) => sink.push(line) });
  const pretty = createPrettyLogger({ write: (line: string) => sink.push(line) });
  return {
    info: (msg, fields) => (json.info(msg, fields), pretty.info(msg, fields)),
    warn: (msg, fields) => (json.warn(msg, fields), pretty.warn(msg, fields)),
    error: (msg, fields) => (json.error(msg, fields), pretty.error(msg, fields)),
  };
}

async function waiting(input: Record<string, unknown>): Promise<WaitingCallback> {
  const w = await startWaiting(h, { mode: 'stream', ...input }, handles);
  rememberToken('minted token', w.token);
  return w;
}

/** A token for `w` signed with this file's gateway key (so the secret bytes are known). */
async function ownToken(w: WaitingCallback, changes: Partial<CallbackClaims> = {}): Promise<string> {
  const token = await mintFor(minter, w, changes);
  rememberToken('own token', token);
  return token;
}

function signedHeaders(body: string, options: { timestamp?: number; key?: Uint8Array } = {}): Record<string, string> {
  const headers = webhookHeaders(webhookKey, body, options);
  remember('webhook signature', headers['webhook-signature']!.slice('v1,'.length));
  return headers;
}

beforeAll(async () => {
  h = await startHarness({ workerApiKey: true, signatureSecrets: new Map([[SENDER, webhookKey]]), maxBodyBytes: 4096 });
  const signingKey = await importSigningKey(signingSecret);
  minter = createCallbackTokenMinter(signingKey, TEST_TOKEN_IDENTITY);
  const deps: GatewayDeps = {
    client: h.client,
    verifier: createCallbackTokenVerifier(signingKey, { ...TEST_TOKEN_IDENTITY, namespace: 'default' }),
    apiKeys: h.apiKeys,
    logger: bothFormats(lines),
    maxBodyBytes: 4096,
    signatureSecrets: new Map([[SENDER, webhookKey]]),
    rateLimits: { perKey: { perMinute: 5 } },
  };
  gateway = await listen(createGateway(deps));

  rememberKey('worker API key', h.workerApiKey!);
  remember('webhook secret (whsec_)', `${STANDARD_WEBHOOKS_SECRET_PREFIX}${webhookKey.toString('base64')}`);
  for (const encoding of ['base64', 'base64url', 'hex'] as const) {
    remember(`webhook secret (${encoding})`, webhookKey.toString(encoding));
    remember(`signing key (${encoding})`, signingSecret.toString(encoding));
  }
  remember('signing key (base64, unpadded)', signingSecret.toString('base64').replace(/=+$/, ''));
});

afterAll(async () => {
  await Promise.all(handles.map((handle) => handle.terminate().catch(() => undefined)));
  await gateway?.close();
  await h?.close();
});

function leaksIn(logLines: string[]): Array<{ secret: string; line: string }> {
  const leaks: Array<{ secret: string; line: string }> = [];
  for (const [label, secret] of secrets) {
    const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
    for (const line of logLines) {
      if ([...forms].some((form) => line.includes(form))) leaks.push({ secret: label, line: line.slice(0, 300) });
    }
  }
  return leaks;
}

describe('gateway logs', () => {
  test('contain no token, API key, webhook secret or signature, or signing key, on any main path', async () => {
    const [plain, keyed, signed, viaQuery] = await Promise.all([
      waiting({}),
      waiting({ requireApiKey: true }),
      waiting({ requireSignature: SENDER }),
      waiting({ includeApiKey: true }),
    ]);
    const { key: goodKey } = await h.apiKeys.create({ name: 'log-good', scopes: ['workflows:execute'] });
    const { key: revokedKey, info: revokedInfo } = await h.apiKeys.create({ name: 'log-revoked', scopes: ['workflows:execute'] });
    await h.apiKeys.revoke(revokedInfo.id);
    const { key: expiredKey } = await h.apiKeys.create({ name: 'log-expired', scopes: ['workflows:execute'], expiresAt: new Date(Date.now() - 1_000) });
    const { key: readerKey } = await h.apiKeys.create({ name: 'log-reader', scopes: ['workflows:read'] });
    const strangerKey = generateApiKey().key;
    const wrongSecretKey = `${goodKey.slice(0, goodKey.lastIndexOf('_') + 1)}${randomBytes(32).toString('base64url')}`;
    for (const [label, key] of Object.entries({ goodKey, revokedKey, expiredKey, readerKey, strangerKey, wrongSecretKey })) rememberKey(label, key);

    // The harness gateway, with the URLs the workflows minted (one carries the worker's key).
    const harnessAnswers: number[] = [];
    harnessAnswers.push((await postJson(plain.url, { via: 'harness' })).status);
    harnessAnswers.push((await postJson(viaQuery.url, { via: 'query key' })).status);
    harnessAnswers.push((await postJson(keyed.url, { via: 'bearer' }, { authorization: `Bearer ${goodKey}` })).status);
    harnessAnswers.push((await postJson(keyed.url, { via: 'wrong' }, { 'x-api-key': wrongSecretKey })).status);
    harnessAnswers.push((await postJson(`${keyed.url}?api_key=${strangerKey}`, {})).status);
    const harnessBody = JSON.stringify({ via: 'signed' });
    harnessAnswers.push((await fetch(signed.url, { method: 'POST', headers: signedHeaders(harnessBody), body: harnessBody })).status);
    harnessAnswers.push((await postJson(`${h.gatewayUrl}/callbacks/${plain.token.slice(0, -3)}xyz`, {})).status);
    expect(harnessAnswers).toEqual([202, 202, 202, 401, 401, 202, 401]);

    // This file's gateway (known signing key), over every main path.
    const at = (token: string, suffix = '') => `${gateway.url}/callbacks/${token}${suffix}`;
    const answers = new Map<string, number>();
    const record = async (name: string, response: Promise<Response>) => answers.set(name, (await response).status);

    const plainToken = await ownToken(plain);
    await record('deliver', postJson(at(plainToken), { decision: 'approve' }, { 'idempotency-key': 'log-delivery-1' }));
    await record('deliver sync', postJson(at(plainToken), { decision: 'approve' }, { prefer: 'wait=10' }));
    await record('heartbeat', postJson(at(plainToken, '/heartbeat'), { progress: 50 }));
    await record('fail refused', postJson(at(plainToken, '/fail'), { nope: true }));
    await record('tampered', postJson(at(`${plainToken.slice(0, -4)}AAAA`), {}));
    await record('expired', postJson(at(await ownToken(plain, { expiresAt: new Date(Date.now() - 3_600_000) })), {}));
    await record('foreign token', postJson(at(plain.token), {}));
    await record('no workflow', postJson(at(await ownToken({ ...plain, handle: h.client.workflow.getHandle(`missing-${randomUUID()}`) })), {}));
    await record('get refused', fetch(`${at(plainToken)}?api_key=${goodKey}&secret=${plainToken}`));
    await record('too large', postJson(at(plainToken), { big: 'x'.repeat(5_000) }));
    await record('malformed json', fetch(at(plainToken), { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"token":"${plainToken}"` }));
    await record('wrong type', fetch(at(plainToken), { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<x/>' }));
    await record('bad wait', postJson(`${at(plainToken)}?wait=abc`, {}));
    await record('bad idempotency key', postJson(at(plainToken), {}, { 'idempotency-key': plainToken.repeat(2) }));
    await record('unknown route', postJson(`${gateway.url}/callbacks/${plainToken}/nothing/here`, {}));

    const keyedToken = await ownToken(keyed, { requiresApiKey: true });
    await record('key header', postJson(at(keyedToken), { via: 'x-api-key' }, { 'x-api-key': goodKey }));
    await record('key bearer', postJson(at(keyedToken), { via: 'bearer' }, { authorization: `Bearer ${goodKey}` }));
    await record('key query', postJson(`${at(keyedToken)}?api_key=${encodeURIComponent(goodKey)}`, { via: 'query' }));
    await record('key missing', postJson(at(keyedToken), {}));
    await record('key revoked', postJson(at(keyedToken), {}, { 'x-api-key': revokedKey }));
    await record('key expired', postJson(at(keyedToken), {}, { 'x-api-key': expiredKey }));
    await record('key forbidden', postJson(at(keyedToken), {}, { 'x-api-key': readerKey }));
    await record('key unknown', postJson(`${at(keyedToken)}?api_key=${strangerKey}`, {}));
    await record('key wrong secret', postJson(at(keyedToken), {}, { authorization: `Bearer ${wrongSecretKey}` }));
    for (let i = 0; i < 3; i++) await record(`key rate ${i}`, postJson(at(keyedToken), { i }, { 'x-api-key': goodKey }));

    const signedToken = await ownToken(signed, { signatureSender: SENDER });
    const body = JSON.stringify({ signed: true });
    await record('signed', fetch(at(signedToken), { method: 'POST', headers: signedHeaders(body), body }));
    await record('signed sync', fetch(at(signedToken), { method: 'POST', headers: { ...signedHeaders(body), prefer: 'wait=10' }, body }));
    await record('signature missing', fetch(at(signedToken), { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
    await record('signature stale', fetch(at(signedToken), { method: 'POST', headers: signedHeaders(body, { timestamp: nowSeconds() - 3_600 }), body }));
    await record('signature wrong', fetch(at(signedToken), { method: 'POST', headers: signedHeaders(body, { key: randomBytes(32) }), body }));
    await record('signature other body', fetch(at(signedToken), { method: 'POST', headers: signedHeaders(body), body: JSON.stringify({ signed: false }) }));
    await record('unknown sender', postJson(at(await ownToken(plain, { signatureSender: 'unconfigured-sender' })), {}));

    expect(Object.fromEntries(answers)).toEqual({
      deliver: 202,
      'deliver sync': 200,
      heartbeat: 202,
      'fail refused': 422,
      tampered: 401,
      expired: 401,
      'foreign token': 401,
      'no workflow': 404,
      'get refused': 405,
      'too large': 413,
      'malformed json': 400,
      'wrong type': 415,
      'bad wait': 400,
      'bad idempotency key': 400,
      'unknown route': 404,
      'key header': 202,
      'key bearer': 202,
      'key query': 202,
      'key missing': 401,
      'key revoked': 401,
      'key expired': 401,
      'key forbidden': 403,
      'key unknown': 401,
      'key wrong secret': 401,
      'key rate 0': 202,
      'key rate 1': 202,
      'key rate 2': 429,
      signed: 202,
      'signed sync': 200,
      'signature missing': 401,
      'signature stale': 401,
      'signature wrong': 401,
      'signature other body': 401,
      'unknown sender': 503,
    });

    // A gateway that cannot reach Temporal logs its failure: scanned too.
    const unreachableConnection = Connection.lazy({ address: '127.0.0.1:1' });
    const unreachable = await listen(
      createGateway({
        client: new Client({ connection: unreachableConnection, namespace: 'default' }),
        verifier: createCallbackTokenVerifier(await importSigningKey(signingSecret), { ...TEST_TOKEN_IDENTITY, namespace: 'default' }),
        apiKeys: h.apiKeys,
        logger: bothFormats(lines),
        temporalCallTimeoutMs: 500,
      }),
    );
    try {
      expect((await postJson(`${unreachable.url}/callbacks/${plainToken}`, {}, { prefer: 'wait=1' })).status).toBe(503);
    } finally {
      await unreachable.close();
      await unreachableConnection.close();
    }

    // The logs say what happened (by workflow, callback and key id) ...
    const log = [...lines, ...h.logLines].join('\n');
    expect(log).toContain(plain.handle.workflowId);
    expect(log).toContain(keyed.callbackId);
    expect(log).toContain(goodKey.split('_')[1]!);
    expect(log).toContain('TEMPORAL_UNAVAILABLE');
    expect(log).toContain('SIGNATURE_INVALID');
    expect(secrets.size).toBeGreaterThan(40);
    // ... and repeat none of the secrets.
    expect(leaksIn([...lines, ...h.logLines])).toEqual([]);

    // A refused token's line says why and names the key id, never the token.
    const tokenRefusals = lines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.msg === 'request' && String(entry.errorCode).startsWith('CALLBACK_TOKEN_'))
      .map((entry) => `${String(entry.errorCode)} ${String(entry.reason)} ${String(entry.kid)}`);
    expect(tokenRefusals).toEqual(expect.arrayContaining(['CALLBACK_TOKEN_INVALID signature default', 'CALLBACK_TOKEN_EXPIRED expired default']));
  });

  test('the startup line names the key source and fingerprint, never the signing secret', async () => {
    const secret = randomBytes(32).toString('base64url');
    remember('CALLBACK_SIGNING_SECRET', secret);
    for (const encoding of ['base64', 'hex'] as const) remember(`CALLBACK_SIGNING_SECRET (${encoding})`, Buffer.from(secret).toString(encoding));
    const startupLines: string[] = [];
    const started = await startGateway(
      loadGatewayConfig(testGatewayEnv({ CALLBACK_SIGNING_SECRET: secret })),
      bothFormats(startupLines),
    );
    await started.close();
    const keyLines = startupLines.filter((line) => line.includes(KEY_SETUP_MESSAGE));
    expect(keyLines).toHaveLength(2);
    expect(keyLines[0]).toContain('env secret (CALLBACK_SIGNING_SECRET)');
    expect(keyLines[0]).toMatch(/"fingerprint":"[0-9a-f]{12}"/);
    expect(keyLines[0]).toContain('(default GATEWAY_HOST)');
    expect(leaksIn(startupLines)).toEqual([]);
  });

  // A malformed percent-escape in the token parameter (e.g. %ff) is a malformed token: 401, not a 5xx, and not logged.
  test("sign-in: no session cookie, authorization code, state, client secret or session secret, on its refusals and its startup line", async () => {
    const sessionSecret = randomBytes(32);
    const clientSecret = randomBytes(24).toString('base64url');
    for (const encoding of ['base64', 'base64url', 'hex'] as const) remember(`session secret (${encoding})`, sessionSecret.toString(encoding));
    remember('OIDC client secret', clientSecret);
    const signInLines: string[] = [];
    // A provider that does not answer: the sign-in's 503 is logged with its cause.
    const withSignIn = await listen(
      createGateway({
        client: h.client,
        verifier: createCallbackTokenVerifier(await importSigningKey(signingSecret), { ...TEST_TOKEN_IDENTITY, namespace: 'default' }),
        apiKeys: h.apiKeys,
        logger: bothFormats(signInLines),
        signIn: { issuer: 'http://127.0.0.1:9', clientId: 'gateway', clientSecret, publicUrl: 'http://127.0.0.1:8080', sessionSecret },
      }),
    );
    try {
      const w = await waiting({});
      const approvalToken = await ownToken(w, { approval: { actionDigest: 'A'.repeat(43), identity: 'signed-in' } });
      rememberToken('approval token', approvalToken);
      const session = await new SignJWT({ apr: { issuer: 'http://127.0.0.1:9', subject: 'alice', via: 'oidc' } })
        .setProtectedHeader({ alg: 'HS256', typ: 'dcb-session+jwt' })
        .setJti(randomUUID())
        .setExpirationTime('1h')
        .sign(randomBytes(32));
      rememberToken('session cookie', session);
      const code = randomBytes(24).toString('base64url');
      const state = randomBytes(24).toString('base64url');
      const transaction = `eyJhbGciOiJIUzI1NiJ9.${randomBytes(40).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
      remember('authorization code', code);
      remember('state', state);
      rememberToken('transaction cookie', transaction);
      const at = `${withSignIn.url}/callbacks/${approvalToken}`;
      const statuses = [
        (await fetch(`${at}/sign-in`, { redirect: 'manual', headers: { cookie: `dcb_session=${session}` } })).status,
        (await fetch(at, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `dcb_session=${session}` }, body: `decision=approve&csrf=${state}` })).status,
        (await fetch(`${withSignIn.url}/auth/oidc/callback?code=${code}&state=${state}`, { headers: { cookie: `dcb_oidc=${transaction}; dcb_session=${session}` } })).status,
      ];
      expect(statuses).toEqual([503, 401, 400]);
    } finally {
      await withSignIn.close();
    }
    const log = signInLines.join('\n');
    expect(log).toContain('SIGN_IN_PROVIDER_UNAVAILABLE');
    expect(log).toContain('SESSION_INVALID');
    expect(log).toContain('SIGN_IN_EXPIRED');
    expect(leaksIn(signInLines)).toEqual([]);

    // The startup line names the issuer, the client id and the redirect URI; never the client secret or the session secret.
    const startupLines: string[] = [];
    const started = await startGateway(
      loadGatewayConfig(
        testGatewayEnv({
          OIDC_ISSUER: 'https://idp.example.com',
          OIDC_CLIENT_ID: 'dcb-gateway',
          OIDC_CLIENT_SECRET: clientSecret,
          SESSION_SECRET: sessionSecret.toString('base64'),
          GATEWAY_PUBLIC_URL: 'https://callbacks.example.com/',
        }),
      ),
      bothFormats(startupLines),
    );
    await started.close();
    const signInLine = startupLines.find((line) => line.startsWith('{') && line.includes('sign-in with OpenID Connect'))!;
    expect(JSON.parse(signInLine)).toMatchObject({
      issuer: 'https://idp.example.com',
      clientId: 'dcb-gateway',
      redirectUri: 'https://callbacks.example.com/auth/oidc/callback',
      groupsClaim: 'groups (default)',
      keyFrom: 'SESSION_SECRET',
    });
    expect(leaksIn(startupLines)).toEqual([]);
  });

  test('a malformed percent-escape after a valid token does not put the token in the log', async () => {
    const w = await waiting({});
    const token = await ownToken(w);
    const before = lines.length;
    await postJson(`${gateway.url}/callbacks/${token}%ff`, {});
    expect(leaksIn(lines.slice(before))).toEqual([]);
    expect(lines.slice(before).find((line) => line.startsWith('{'))).toContain('"reason":"malformed"');
  });
});
