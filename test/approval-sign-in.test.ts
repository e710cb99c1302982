import { createHash, randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { createGateway } from '../callback-gateway';
import { SESSION_TYPE } from '../callback-gateway/sign-in/session';
import type { CallbackReceived } from '../protocol/callback-messages';
import { callbacksQuery } from '../protocol/definitions';
import type { ApprovalBinding } from '../protocol/approval-messages';
import { createCallbackTokenVerifier } from '../tokens/verify-callback-token';
import { freePort } from './support/dev-server';
import { startHarness, TEST_TOKEN_IDENTITY, type Harness } from './support/harness';
import { listen, type Listening } from './support/listen';
import { hiddenField, signInAs, startDevOidcProvider, TestBrowser, type DevOidcProvider } from './support/oidc';
import { TEST_NAMESPACE } from './support/test-env';
import { mintFor, startWaiting, type WaitingCallback } from './support/tokens';

// Signing in to decide an approval, with nothing mocked: the real development OpenID Connect
// provider (oidc-provider, its own process), the real gateway on a real port, a real worker and
// the tests' Temporal dev server. Since requestApproval is written beside this, an approval's URL
// is minted here with an `apv` binding for an awaitCallback workflow, whose callback takes any
// delivery: what it received is exactly what the gateway delivered.

const DIGEST = createHash('sha256').update('block 203.0.113.7').digest('base64url');
const OTHER_DIGEST = createHash('sha256').update('block 198.51.100.1').digest('base64url');
const sessionSecret = randomBytes(32);
/** Another application at the same provider, whose codes and ID tokens are not the gateway's. */
const OTHER_APP = { clientId: 'another-app', clientSecret: randomBytes(24).toString('base64url'), redirectUri: 'http://127.0.0.1:9/other-app/callback' };

let provider: DevOidcProvider;
let h: Harness;
let gatewayUrl: string;
const handles: WorkflowHandle[] = [];

beforeAll(async () => {
  const gatewayPort = await freePort();
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  provider = await startDevOidcProvider(`${gatewayUrl}/auth/oidc/callback`, [OTHER_APP]);
  h = await startHarness({
    gatewayPort,
    signIn: { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, publicUrl: gatewayUrl, sessionSecret },
  });
}, 60_000);
afterAll(async () => {
  await Promise.all(handles.map((handle) => handle.terminate().catch(() => undefined)));
  await h?.close();
  await provider?.close();
});

/** An approval's URL for a fresh waiting workflow, binding `DIGEST` and `identity`. */
async function approval(binding: Partial<ApprovalBinding> = {}): Promise<{ w: WaitingCallback; url: string }> {
  const w = await startWaiting(h, {}, handles);
  const token = await mintFor(h.minter, w, { approval: { actionDigest: DIGEST, identity: 'signed-in', ...binding } });
  return { w, url: `${gatewayUrl}/callbacks/${token}` };
}

/** A browser signed in as `login` on `url`'s approval page, and that page's hidden fields. */
async function signedIn(url: string, login = 'alice'): Promise<{ browser: TestBrowser; page: string; csrf: string }> {
  const browser = new TestBrowser();
  const back = await signInAs(browser, url, login);
  expect(back.url).toBe(url);
  expect(back.response?.status).toBe(200);
  const page = await back.response!.text();
  return { browser, page, csrf: hiddenField(page, 'csrf')! };
}

/** The error code a refusal carries, from its JSON body or its HTML page. */
async function codeOf(response: Response): Promise<string | undefined> {
  const text = await response.text();
  if (response.headers.get('content-type')?.startsWith('application/json')) return (JSON.parse(text) as { error: { code: string } }).error.code;
  return /<code id="error-code">([A-Z_]+)<\/code>/.exec(text)?.[1];
}

/** What a waiting workflow's callback has taken so far. */
async function deliveriesTo(w: WaitingCallback): Promise<number> {
  const [info] = await w.handle.query(callbacksQuery);
  return info!.deliveries;
}

/** A session cookie signed by `key` with `claims`: made right, it would verify. */
function sessionJwt(key: Uint8Array, claims: Record<string, unknown>, typ = SESSION_TYPE): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ }).sign(key);
}

describe('signing in with the OpenID Connect provider to decide', () => {
  test('the page offers sign-in; once signed in, a vote reaches the workflow with who signed in and the digest the token binds', async () => {
    const { w, url } = await approval();
    const before = await fetch(url, { headers: { accept: 'text/html' } });
    const anonymous = await before.text();
    expect(before.status).toBe(200);
    expect(anonymous).toContain('Sign in to decide');
    expect(anonymous).toContain(`/callbacks/${url.split('/').pop()}/sign-in`);
    expect(anonymous).not.toContain('name="decision"');

    const { browser, page, csrf } = await signedIn(url);
    expect(page).toContain('Signed in as <strong id="signed-in-as">Alice Approver (alice@example.com)</strong>');
    expect(page).toContain(`name="actionDigest" value="${DIGEST}"`);
    expect(page).toContain(DIGEST.slice(0, 12));
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(browser.cookies.has('dcb_oidc')).toBe(false);

    const vote = await browser.postForm(url, { decision: 'approve', comment: 'Seen the alert; block it.', csrf, actionDigest: DIGEST });
    expect(vote.status).toBe(200);
    expect(await vote.text()).toContain('You answered: <strong>Approve</strong>');

    const result = (await w.handle.result()) as CallbackReceived;
    expect(result.status).toBe('received');
    expect(result.data).toEqual({ decision: 'approve', comment: 'Seen the alert; block it.' });
    expect(result.actionDigest).toBe(DIGEST);
    expect(result.approver).toEqual({
      issuer: provider.issuer,
      subject: 'alice',
      email: 'alice@example.com',
      emailVerified: true,
      name: 'Alice Approver',
      groups: ['security', 'oncall'],
      via: 'oidc',
      authTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(Date.now() - Date.parse(result.approver!.authTime!)).toBeLessThan(120_000);
    // The session cookie never reaches the workflow's history.
    expect(JSON.stringify(result)).not.toContain(browser.cookies.get('dcb_session')!.value);
    expect(result.headers.cookie).toBeUndefined();
  });

  test('the session cookie is HttpOnly, SameSite=Lax, Path=/, at most 8 hours; the transaction cookie is scoped to /auth/oidc', async () => {
    const { url } = await approval();
    const browser = new TestBrowser();
    const start = await browser.request(`${url}/sign-in`);
    expect(start.status).toBe(303);
    const transaction = start.headers.getSetCookie().find((line) => line.startsWith('dcb_oidc='))!;
    expect(transaction).toMatch(/Path=\/auth\/oidc/);
    expect(transaction).toMatch(/HttpOnly/);
    expect(transaction).toMatch(/SameSite=Lax/);
    expect(transaction).toMatch(/Max-Age=600/);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(provider.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${gatewayUrl}/auth/oidc/callback`);
    expect(authorize.searchParams.has('max_age')).toBe(false);

    const browser2 = new TestBrowser();
    const held = await signInAs(browser2, url, 'bob', true);
    const back = await browser2.request(held.url);
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe(new URL(url).pathname);
    const session = back.headers.getSetCookie().find((line) => line.startsWith('dcb_session='))!;
    expect(session).toMatch(/Path=\/(;|$)/);
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Max-Age=28800/);
    expect(session).not.toMatch(/Secure/);
  });

  test('an approval that demands a fresh sign-in asks the provider for max_age, and prompt=login at 0', async () => {
    const fresh = await approval({ maxAuthAgeSeconds: 300 });
    const asked = new URL((await new TestBrowser().request(`${fresh.url}/sign-in`)).headers.get('location')!);
    expect(asked.searchParams.get('max_age')).toBe('300');
    expect(asked.searchParams.has('prompt')).toBe(false);
    const now = await approval({ maxAuthAgeSeconds: 0 });
    const forced = new URL((await new TestBrowser().request(`${now.url}/sign-in`)).headers.get('location')!);
    expect(forced.searchParams.get('max_age')).toBe('0');
    expect(forced.searchParams.get('prompt')).toBe('login');
    // Signing in at once satisfies max_age=300: the vote is delivered.
    const { browser, csrf } = await signedIn(fresh.url);
    const vote = await browser.postForm(fresh.url, { decision: 'reject', csrf }, { accept: 'application/json' });
    expect(vote.status).toBe(200);
    expect(((await fresh.w.handle.result()) as CallbackReceived).data).toEqual({ decision: 'reject' });
  });

  test("an approval that requires an API key in its URL's query keeps it through the sign-in and the vote", async () => {
    const w = await startWaiting(h, {}, handles);
    const { key } = await h.apiKeys.create({ name: 'approval-link', scopes: ['workflows:execute'] });
    const token = await mintFor(h.minter, w, { requiresApiKey: true, approval: { actionDigest: DIGEST, identity: 'signed-in' } });
    const url = `${gatewayUrl}/callbacks/${token}?api_key=${encodeURIComponent(key)}`;
    const { browser, csrf } = await signedIn(url, 'bob');
    const vote = await browser.postForm(url, { decision: 'approve', csrf, actionDigest: DIGEST });
    expect(vote.status).toBe(200);
    const result = (await w.handle.result()) as CallbackReceived;
    expect(result.approver).toMatchObject({ subject: 'bob' });
    expect(result.apiKeyId).toBeDefined();
  });

  test('a JSON client with the session cookie and CSRF token gets JSON', async () => {
    const { w, url } = await approval();
    const { browser, csrf } = await signedIn(url, 'bob');
    const vote = await browser.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ decision: 'approve', csrf, actionDigest: DIGEST }),
    });
    expect(vote.status).toBe(200);
    expect(await vote.json()).toMatchObject({ status: 'accepted', callbackId: w.callbackId, callbackStatus: 'completed' });
    expect(((await w.handle.result()) as CallbackReceived).approver).toMatchObject({ subject: 'bob', groups: ['engineering'], via: 'oidc' });
  });
});

describe('votes the gateway refuses before anything reaches the workflow', () => {
  let target: { w: WaitingCallback; url: string };
  let alice: { browser: TestBrowser; csrf: string };
  beforeAll(async () => {
    target = await approval();
    alice = await signedIn(target.url);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const cases: Array<{ name: string; status: number; code: string; vote: () => Promise<Response> }> = [
    { name: 'no session', status: 401, code: 'APPROVER_NOT_IDENTIFIED', vote: () => new TestBrowser().postForm(target.url, { decision: 'approve', actionDigest: DIGEST }) },
    {
      name: 'a session signed with another key',
      status: 401,
      code: 'SESSION_INVALID',
      vote: async () => {
        const forged = await sessionJwt(randomBytes(32), { jti: 'x', sub: 'alice', iss: provider.issuer, aud: 'durable-callbacks-session', exp: now() + 600, apr: { issuer: provider.issuer, subject: 'alice', via: 'oidc' } });
        return new TestBrowser().postForm(target.url, { decision: 'approve', csrf: alice.csrf }, { cookie: `dcb_session=${forged}` });
      },
    },
    {
      name: 'an expired session',
      status: 401,
      code: 'SESSION_INVALID',
      vote: async () => {
        const expired = await sessionJwt(sessionSecret, { jti: 'x', sub: 'alice', iss: provider.issuer, aud: 'durable-callbacks-session', iat: now() - 9 * 3600, exp: now() - 3600, apr: { issuer: provider.issuer, subject: 'alice', via: 'oidc' } });
        return new TestBrowser().postForm(target.url, { decision: 'approve' }, { cookie: `dcb_session=${expired}` });
      },
    },
    {
      name: 'a JWT of another type under the session secret',
      status: 401,
      code: 'SESSION_INVALID',
      vote: async () => {
        const other = await sessionJwt(sessionSecret, { jti: 'x', sub: 'alice', iss: provider.issuer, aud: 'durable-callbacks-session', exp: now() + 600, apr: { issuer: provider.issuer, subject: 'alice', via: 'oidc' } }, 'JWT');
        return new TestBrowser().postForm(target.url, { decision: 'approve' }, { cookie: `dcb_session=${other}` });
      },
    },
    { name: 'no CSRF token', status: 403, code: 'CSRF_TOKEN_INVALID', vote: () => alice.browser.postForm(target.url, { decision: 'approve', actionDigest: DIGEST }) },
    { name: 'a wrong CSRF token', status: 403, code: 'CSRF_TOKEN_INVALID', vote: () => alice.browser.postForm(target.url, { decision: 'approve', csrf: `${alice.csrf.slice(0, -2)}AA` }) },
    { name: 'a stale action digest', status: 409, code: 'ACTION_CHANGED', vote: () => alice.browser.postForm(target.url, { decision: 'approve', csrf: alice.csrf, actionDigest: OTHER_DIGEST }) },
    { name: 'a fail report on the approval URL', status: 404, code: 'NOT_A_VOTE', vote: () => alice.browser.postForm(`${target.url}/fail`, { error: 'x' }) },
  ];

  test.each(cases)('$name: $status $code', async ({ status, code, vote }) => {
    const response = await vote();
    expect(response.status).toBe(status);
    expect(await codeOf(response)).toBe(code);
  });

  test('none of them reached the workflow', async () => {
    expect(await deliveriesTo(target.w)).toBe(0);
    const [info] = await target.w.handle.query(callbacksQuery);
    expect(info).toMatchObject({ status: 'pending', rejected: [] });
  });

  test('a provider ID token is not a session', async () => {
    const browser = new TestBrowser();
    const held = await signInAs(browser, target.url, 'alice', true);
    const configuration = await oidc.discovery(new URL(provider.issuer), provider.clientId, provider.clientSecret, undefined, { execute: [oidc.allowInsecureRequests] });
    // The test redeems the code itself, as an attacker holding the client's secret could: the ID token it gets is the provider's, not the gateway's.
    const transaction = browser.cookies.get('dcb_oidc')!.value;
    const [, payload] = transaction.split('.');
    const { cv, nn, st } = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { cv: string; nn: string; st: string };
    const tokens = await oidc.authorizationCodeGrant(configuration, new URL(held.url), { pkceCodeVerifier: cv, expectedNonce: nn, expectedState: st });
    const idToken = tokens.id_token!;
    expect(tokens.claims()!.aud).toBe(provider.clientId);
    const vote = await new TestBrowser().postForm(target.url, { decision: 'approve' }, { cookie: `dcb_session=${idToken}`, accept: 'application/json' });
    expect(vote.status).toBe(401);
    expect(await codeOf(vote)).toBe('SESSION_INVALID');
    expect(await deliveriesTo(target.w)).toBe(0);
  });
});

describe("the provider's return to /auth/oidc/callback", () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await approval());
  });

  test('without the transaction cookie: 400 SIGN_IN_EXPIRED', async () => {
    const browser = new TestBrowser();
    const held = await signInAs(browser, url, 'alice', true);
    browser.cookies.delete('dcb_oidc');
    const back = await browser.request(held.url);
    expect(back.status).toBe(400);
    expect(await codeOf(back)).toBe('SIGN_IN_EXPIRED');
    expect(browser.cookies.has('dcb_session')).toBe(false);
  });

  test("with another sign-in's state: 400 SIGN_IN_STATE_MISMATCH, and no session", async () => {
    const browser = new TestBrowser();
    const held = new URL((await signInAs(browser, url, 'alice', true)).url);
    held.searchParams.set('state', 'not-the-state-we-sent');
    const back = await browser.request(held.href);
    expect(back.status).toBe(400);
    expect(await codeOf(back)).toBe('SIGN_IN_STATE_MISMATCH');
    expect(browser.cookies.has('dcb_session')).toBe(false);
  });

  test('a replayed authorization code: 401 SIGN_IN_FAILED, and no session', async () => {
    const browser = new TestBrowser();
    const held = await signInAs(browser, url, 'alice', true);
    const transaction = browser.cookies.get('dcb_oidc')!;
    expect((await browser.request(held.url)).status).toBe(303);
    const replay = new TestBrowser();
    replay.cookies.set('dcb_oidc', transaction);
    const again = await replay.request(held.url);
    expect(again.status).toBe(401);
    expect(await codeOf(again)).toBe('SIGN_IN_FAILED');
    expect(replay.cookies.has('dcb_session')).toBe(false);
    // The operator learns why (the provider's OAuth error), and nothing of the code.
    const refused = h.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'sign-in refused');
    expect(refused).toContainEqual(expect.objectContaining({ code: 'SIGN_IN_FAILED', reason: 'invalid_grant' }));
  });

  test("a code issued to another application, injected with this browser's state, nonce and PKCE challenge: 401 SIGN_IN_FAILED", async () => {
    const browser = new TestBrowser();
    const start = await browser.request(`${url}/sign-in`);
    const ours = new URL(start.headers.get('location')!);
    // The same authorization request, made for the other application (its redirect URI is never reached: the code is held).
    const theirs = new URL(ours.href);
    theirs.searchParams.set('client_id', OTHER_APP.clientId);
    theirs.searchParams.set('redirect_uri', OTHER_APP.redirectUri);
    const form = await browser.follow(theirs.href);
    expect(new URL(form.url).pathname).toMatch(/^\/interaction\//);
    await form.response!.text();
    const submitted = await browser.postForm(form.url, { prompt: 'login', login: 'mallory', password: 'any' });
    const held = await browser.follow(new URL(submitted.headers.get('location')!, form.url).href, (next) => next.pathname === '/other-app/callback');
    const code = new URL(held.url).searchParams.get('code');
    expect(code).toBeTruthy();
    const injected = new URL(`${gatewayUrl}/auth/oidc/callback`);
    injected.searchParams.set('code', code!);
    injected.searchParams.set('state', ours.searchParams.get('state')!);
    injected.searchParams.set('iss', provider.issuer);
    const back = await browser.request(injected.href);
    expect(back.status).toBe(401);
    expect(await codeOf(back)).toBe('SIGN_IN_FAILED');
    expect(browser.cookies.has('dcb_session')).toBe(false);
  });

  test("the provider's error: 403 SIGN_IN_DENIED", async () => {
    const browser = new TestBrowser();
    const start = await browser.request(`${url}/sign-in`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const back = await browser.request(`${gatewayUrl}/auth/oidc/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(provider.issuer)}`);
    expect(back.status).toBe(403);
    expect(await codeOf(back)).toBe('SIGN_IN_DENIED');
  });

  test('sign-in for a URL that is not a signed-in approval: 400 SIGN_IN_NOT_NEEDED', async () => {
    const w = await startWaiting(h, {}, handles);
    const plain = await mintFor(h.minter, w);
    const response = await new TestBrowser().request(`${gatewayUrl}/callbacks/${plain}/sign-in`);
    expect(response.status).toBe(400);
    expect(await codeOf(response)).toBe('SIGN_IN_NOT_NEEDED');
  });
});

describe('link-holder approvals', () => {
  test('show the buttons without sign-in, say anyone with the link can decide, and deliver the vote as the link holder', async () => {
    const { w, url } = await approval({ identity: 'link-holder' });
    const page = await (await fetch(url, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain('Anyone with this link can decide');
    expect(page).toContain('name="decision" value="approve"');
    expect(page).not.toContain('Sign in to decide');
    const vote = await new TestBrowser().postForm(url, { decision: 'approve', comment: '', actionDigest: DIGEST }, { 'idempotency-key': 'vote-1' });
    expect(vote.status).toBe(200);
    const result = (await w.handle.result()) as CallbackReceived;
    expect(result.approver).toEqual({ issuer: 'link', subject: 'vote-1', via: 'link' });
    expect(result.data).toEqual({ decision: 'approve' });
    expect(result.actionDigest).toBe(DIGEST);
  });
});

describe('what the logs never hold', () => {
  test('no authorization code, state, cookie, client secret or session secret in any gateway log line', async () => {
    const { url } = await approval();
    const browser = new TestBrowser();
    const held = new URL((await signInAs(browser, url, 'alice', true)).url);
    const secrets = [held.searchParams.get('code')!, held.searchParams.get('state')!, browser.cookies.get('dcb_oidc')!.value, provider.clientSecret, sessionSecret.toString('base64'), sessionSecret.toString('hex')];
    await browser.request(held.href);
    secrets.push(browser.cookies.get('dcb_session')!.value);
    const csrf = hiddenField(await (await browser.request(url)).text(), 'csrf')!;
    secrets.push(csrf);
    await browser.postForm(url, { decision: 'approve', csrf });
    const log = h.logLines.join('\n');
    for (const secret of secrets) expect(log.includes(secret)).toBe(false);
  });
});

describe('without a provider configured', () => {
  let bare: Listening;
  beforeAll(async () => {
    bare = await listen(createGateway({ client: h.client, verifier: createCallbackTokenVerifier(h.signingKey, { ...TEST_TOKEN_IDENTITY, namespace: TEST_NAMESPACE }), apiKeys: h.apiKeys }));
  });
  afterAll(async () => {
    await bare?.close();
  });

  test('a signed-in approval is refused 503 SIGN_IN_NOT_CONFIGURED: its page, its sign-in and its votes; nothing is delivered', async () => {
    const { w } = await approval();
    const token = await mintFor(h.minter, w, { approval: { actionDigest: DIGEST, identity: 'signed-in' } });
    const at = `${bare.url}/callbacks/${token}`;
    for (const response of [
      await fetch(at, { headers: { accept: 'text/html' } }),
      await new TestBrowser().request(`${at}/sign-in`),
      await new TestBrowser().postForm(at, { decision: 'approve' }, { accept: 'application/json' }),
    ]) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBeTruthy();
      expect(await codeOf(response)).toBe('SIGN_IN_NOT_CONFIGURED');
    }
    const callback = await new TestBrowser().request(`${bare.url}/auth/oidc/callback?code=x&state=y`);
    expect(callback.status).toBe(503);
    expect(await deliveriesTo(w)).toBe(0);
  });
});

describe('a vote with no worker to judge it', () => {
  test('is answered 503 TEMPORAL_UNAVAILABLE with Retry-After, never a durable 202', async () => {
    const { w, url } = await approval({ identity: 'link-holder' });
    await h.stopWorker();
    try {
      const vote = await new TestBrowser().postForm(url, { decision: 'approve' }, { accept: 'application/json', prefer: 'wait=1' });
      expect(vote.status).toBe(503);
      expect(vote.headers.get('retry-after')).toBeTruthy();
      expect(await codeOf(vote)).toBe('TEMPORAL_UNAVAILABLE');
    } finally {
      await h.startWorker();
    }
    // Temporal may still hold the update and hand it to the worker once it is back: the workflow judges it then, as the 503 said it might.
    expect(await deliveriesTo(w)).toBeLessThanOrEqual(1);
  });
});
