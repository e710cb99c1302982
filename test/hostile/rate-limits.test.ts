import { createGateway, type GatewayDeps } from '../../callback-gateway';
import { createCallbackTokenVerifier } from '../../tokens/verify-callback-token';
import { postJson, TEST_TOKEN_IDENTITY } from '../support/harness';
import { hostileSuite, type HostileCase, type HostileGateway } from '../support/hostile';
import { listen, type Listening } from '../support/listen';

/** Per-IP and per-key rate limits, each on a gateway of its own. */

const retryAfterSet: HostileCase['check'] = (sent) => expect(Number((sent as Response).headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

/** Requests the gateway authenticates, then refuses for their body: they count, but deliver nothing. */
function undeliverable(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/xml', ...headers }, body: '<x/>' });
}

hostileSuite('rate limits', (g) => {
  const opened: Listening[] = [];
  async function limitedGateway(rateLimits: GatewayDeps['rateLimits']): Promise<Listening> {
    const gateway = await listen(
      createGateway({
        client: g.h.client,
        verifier: createCallbackTokenVerifier(g.h.signingKey, { ...TEST_TOKEN_IDENTITY, namespace: 'default' }),
        apiKeys: g.h.apiKeys,
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

  /** A request over a limit: refused with 429 RATE_LIMITED. */
  function limited(name: string, request: (g: HostileGateway) => Promise<Response | { sent: Response; secrets: string[] }>, check?: HostileCase['check']): HostileCase {
    return { name, request, status: 429, code: 'RATE_LIMITED', ...(check ? { check } : {}) };
  }

  const RATE_LIMIT_CASES: HostileCase[] = [
    limited(
      'per client IP: the 4th request in a minute gets 429 with Retry-After, even with a valid token and body',
      async () => {
        const url = `${(await limitedGateway({ perIp: { perMinute: 3 } })).url}/callbacks/${g.plain.token}`;
        for (let i = 0; i < 3; i++) expect((await undeliverable(url)).status).toBe(415);
        return postJson(url, { fourth: true });
      },
      retryAfterSet,
    ),
    limited(
      'per client IP: requests with bad tokens count too (a token brute-forcer is slowed)',
      async () => {
        const gateway = await limitedGateway({ perIp: { perMinute: 3 } });
        for (let i = 0; i < 3; i++) expect((await postJson(`${gateway.url}/callbacks/guess-${i}`, {})).status).toBe(401);
        return postJson(`${gateway.url}/callbacks/guess-4`, {});
      },
      retryAfterSet,
    ),
    limited('per client IP: a spoofed X-Forwarded-For does not escape the limit', async () => {
      const gateway = await limitedGateway({ perIp: { perMinute: 3 } });
      for (let i = 0; i < 3; i++) {
        expect((await postJson(`${gateway.url}/callbacks/guess-${i}`, {}, { 'x-forwarded-for': `203.0.113.${i}` })).status).toBe(401);
      }
      return postJson(`${gateway.url}/callbacks/guess-4`, {}, { 'x-forwarded-for': '203.0.113.99' });
    }),
    limited(
      'per API key: the 3rd request with one key gets 429 with Retry-After; another key is unaffected',
      async () => {
        const url = `${(await limitedGateway({ perKey: { perMinute: 2 } })).url}/callbacks/${g.keyed.token}`;
        const first = await g.h.apiKeys.create({ name: 'hostile-rate-1', scopes: ['workflows:execute'] });
        const second = await g.h.apiKeys.create({ name: 'hostile-rate-2', scopes: ['workflows:execute'] });
        for (let i = 0; i < 2; i++) expect((await undeliverable(url, { 'x-api-key': first.key })).status).toBe(415);
        const over = await postJson(url, { third: true }, { 'x-api-key': first.key });
        expect((await undeliverable(url, { 'x-api-key': second.key })).status).toBe(415);
        return { sent: over, secrets: [first.key] };
      },
      retryAfterSet,
    ),
  ];

  test.each(RATE_LIMIT_CASES)('$name', (c) => g.run(c));
});
