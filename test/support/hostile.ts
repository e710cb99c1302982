import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { deliveryEvents } from './history';
import { postJson, startHarness, type Harness } from './harness';
import type { RawExchange } from './raw-http';
import { expectRefusal, rawRefusalOf, refusalOf, type Refusal, type RefusalCode } from './refusals';
import { forgeToken, jwtClaimsFor, startWaiting, webhookHeaders, type Forgery, type WaitingCallback, type WebhookHeaderOptions } from './tokens';

/**
 * The hostile-request suites (test/hostile/*.test.ts): each sends one kind of attack per case to a
 * real gateway on a real port, in front of real waiting workflows, and asserts the status and
 * stable code of the refusal, its security headers, and that it repeats no token; after each
 * case, no waiting workflow has received a signal or an update, and the gateway still answers.
 */

/** The Standard Webhooks sender the signed callback requires. */
export const SENDER = 'acme';
/** Requests must arrive within 1.5 s (Node enforces it on its connections-checking interval). */
export const SERVER_LIMITS = { requestTimeoutMs: 1_500, headersTimeoutMs: 1_500 };
export const MAX_BODY_BYTES = 8192;
export const NO_DELIVERY = { signals: 0, updates: 0 };

/** What a case sent: the answer (a fetch response, or what came back on a raw socket). */
export type Sent = Response | RawExchange;

/** One hostile request and the refusal it must get. */
export interface HostileCase {
  name: string;
  /** Sends the request; `secrets` (tokens, keys it used) must not appear in the refusal. */
  request(g: HostileGateway): Promise<Sent | { sent: Sent; secrets: Array<string | undefined> }>;
  status: number;
  code: RefusalCode;
  /** Another refusal that is as right (e.g. when the HTTP parser or the router may refuse first). */
  or?: { status: number; code: RefusalCode };
  /** Further checks on what came back. */
  check?(sent: Sent, refusal: Refusal): void | Promise<void>;
}

/** The gateway under attack, its waiting callbacks, and helpers to attack it with. */
export interface HostileGateway {
  h: Harness;
  /** The signing secret of {@link SENDER}. */
  webhookKey: Buffer;
  /** A plain callback, one that requires an API key, and one that requires a Standard Webhooks signature. */
  plain: WaitingCallback;
  keyed: WaitingCallback;
  signed: WaitingCallback;
  /** The gateway URL of `token`'s callback route, e.g. `url(token, '/fail', '?wait=5')`. */
  url(token: string, suffix?: string, query?: string): string;
  /** Every real token: no refusal may contain one. */
  realTokens(): string[];
  /** A further waiting callback (terminated when the suite ends). */
  waiting(input: Record<string, unknown>): Promise<WaitingCallback>;
  /** A token shaped exactly like a minted one for `plain` (so it verifies), with `changes` applied. */
  forge(changes?: Forgery): Promise<string>;
  /** Standard Webhooks headers for `body` from {@link SENDER}, with any part made wrong. */
  webhookHeaders(body: string, options?: WebhookHeaderOptions): Record<string, string>;
  /** Sends `c` and asserts its refusal. */
  run(c: HostileCase): Promise<void>;
  /** Asserts that `sent` is a refusal with `status` and `code` that repeats none of `secrets` nor any real token. */
  expectRefused(sent: Sent, status: number, code: RefusalCode, secrets?: Array<string | undefined>): Promise<Refusal>;
}

/** The refusal in `sent`: a fetch response, or the first response read off a raw socket. */
async function refusalIn(sent: Sent): Promise<Refusal> {
  if (!('responses' in sent)) return refusalOf(sent);
  expect(sent.responses.length).toBeGreaterThanOrEqual(1);
  return rawRefusalOf(sent.responses[0] ?? { status: 0, headers: {}, body: '' });
}

/** The request of a case that POSTs `{}` to the callback URL of the token `make` returns; the token must not be repeated. */
export function postToken(make: (g: HostileGateway) => Promise<string> | string, init: { query?: string; headers?: Record<string, string> } = {}): HostileCase['request'] {
  return async (g) => {
    const token = await make(g);
    return { sent: await postJson(g.url(token, '', init.query), {}, init.headers), secrets: [token] };
  };
}

/**
 * Declares a hostile-request suite: a fresh harness with a plain, a keyed and a signed waiting
 * callback; `define` adds the cases (inside a `describe(title)` that checks after each one that
 * nothing was delivered and the gateway still serves); a last test proves the gateway still
 * delivers each of the three callbacks once.
 */
export function hostileSuite(title: string, define: (g: HostileGateway) => void): void {
  const handles: WorkflowHandle[] = [];
  const g: HostileGateway = {
    h: undefined as unknown as Harness,
    webhookKey: randomBytes(32),
    plain: undefined as unknown as WaitingCallback,
    keyed: undefined as unknown as WaitingCallback,
    signed: undefined as unknown as WaitingCallback,
    url: (token, suffix = '', query = '') => `${g.h.gatewayUrl}/callbacks/${token}${suffix}${query}`,
    realTokens: () => [g.plain.token, g.keyed.token, g.signed.token],
    waiting: (input) => startWaiting(g.h, input, handles),
    forge: (changes) => forgeToken(g.h.signingKey, jwtClaimsFor(g.plain), changes),
    webhookHeaders: (body, options) => webhookHeaders(g.webhookKey, body, options),
    async expectRefused(sent, status, code, secrets = []) {
      const got = await refusalIn(sent);
      expectRefusal(got, status, code, [...secrets, ...g.realTokens()]);
      return got;
    },
    async run(c) {
      const answer = await c.request(g);
      const { sent, secrets } = 'sent' in answer ? answer : { sent: answer, secrets: [] };
      const got = await refusalIn(sent);
      const wanted = [c, ...(c.or ? [c.or] : [])].find((w) => w.status === got.status && w.code === got.code) ?? c;
      expectRefusal(got, wanted.status, wanted.code, [...secrets, ...g.realTokens()]);
      await c.check?.(sent, got);
    },
  };

  beforeAll(async () => {
    g.h = await startHarness({ maxBodyBytes: MAX_BODY_BYTES, signatureSecrets: new Map([[SENDER, g.webhookKey]]), serverLimits: SERVER_LIMITS });
    [g.plain, g.keyed, g.signed] = await Promise.all([g.waiting({}), g.waiting({ requireApiKey: true }), g.waiting({ requireSignature: SENDER })]);
  });

  afterAll(async () => {
    await Promise.all(handles.map((handle) => handle.terminate().catch(() => undefined)));
    await g.h?.close();
  });

  describe(title, () => {
    /** After every hostile request: nothing reached any waiting workflow, and the gateway still serves. */
    afterEach(async () => {
      const events = await Promise.all([g.plain, g.keyed, g.signed].map((w) => deliveryEvents(w.handle)));
      expect(events).toEqual([NO_DELIVERY, NO_DELIVERY, NO_DELIVERY]);
      expect((await fetch(`${g.h.gatewayUrl}/healthz`)).status).toBe(200);
    });
    define(g);
  });

  describe(`after every ${title} request above`, () => {
    test('the gateway still delivers: the plain, keyed and signed callbacks each take one genuine delivery', async () => {
      const { h, plain, keyed, signed } = g;
      expect(await deliveryEvents(plain.handle)).toEqual(NO_DELIVERY);
      expect((await postJson(plain.url, { genuine: 'plain' })).status).toBe(202);
      expect(await plain.handle.result()).toMatchObject({ status: 'received', data: { genuine: 'plain' } });

      const { key } = await h.apiKeys.create({ name: 'genuine', scopes: ['workflows:execute'] });
      expect((await postJson(keyed.url, { genuine: 'keyed' }, { 'x-api-key': key })).status).toBe(202);
      expect(await keyed.handle.result()).toMatchObject({ status: 'received', data: { genuine: 'keyed' } });

      const body = JSON.stringify({ genuine: 'signed' });
      expect((await fetch(signed.url, { method: 'POST', headers: g.webhookHeaders(body), body })).status).toBe(202);
      expect(await signed.handle.result()).toMatchObject({ status: 'received', data: { genuine: 'signed' } });

      for (const w of [plain, keyed, signed]) expect(await deliveryEvents(w.handle)).toEqual({ signals: 1, updates: 0 });
    });
  });
}
