import { postJson } from '../support/harness';
import { hostileSuite, type HostileCase, type Sent } from '../support/hostile';
import { rawExchange, rawPost, rawRequest } from '../support/raw-http';
import { mintFor } from '../support/tokens';

/** Methods a callback URL does not take, and paths that must not resolve to another route. */

/** The Allow header of what came back. */
function allowOf(sent: Sent): string | null | undefined {
  return 'responses' in sent ? sent.responses[0]?.headers.allow : sent.headers.get('allow');
}

const allowsPostAndPut: HostileCase['check'] = (sent) => expect(allowOf(sent)).toBe('POST, PUT');

const METHOD_CASES: HostileCase[] = [
  ...(['DELETE', 'PATCH', 'OPTIONS'] as const).map(
    (method): HostileCase => ({
      name: `${method} on a callback URL (405 with Allow)`,
      request: (g) => fetch(g.plain.url, { method, headers: { 'content-type': 'application/json' }, ...(method === 'OPTIONS' ? {} : { body: '{}' }) }),
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
      check: allowsPostAndPut,
    }),
  ),
  {
    name: 'TRACE on a callback URL (405 with Allow)',
    request: (g) => rawExchange(g.h.gatewayPort, rawRequest('TRACE', `/callbacks/${g.plain.token}`)),
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    check: allowsPostAndPut,
  },
  {
    name: 'GET on a callback created without allowGet (a link preview)',
    request: (g) => fetch(`${g.plain.url}?decision=approve`, { headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0' } }),
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
    check: allowsPostAndPut,
  },
  {
    name: 'GET on the fail route of a callback that allows GET',
    request: async (g) => {
      const allowGet = await mintFor(g.h.minter, g.plain, { allowGet: true });
      return { sent: await fetch(g.url(allowGet, '/fail', '?error=x')), secrets: [allowGet] };
    },
    status: 405,
    code: 'METHOD_NOT_ALLOWED',
  },
];

const PATH_CASES: HostileCase[] = [
  {
    name: '/callbacks/../healthz is not normalised into another route',
    request: (g) => rawExchange(g.h.gatewayPort, rawRequest('GET', '/callbacks/../healthz')),
    status: 404,
    code: 'ROUTE_NOT_FOUND',
  },
  {
    name: '/callbacks/%2e%2e/x is not a route',
    request: (g) => rawExchange(g.h.gatewayPort, rawRequest('POST', '/callbacks/%2e%2e/x', ['Content-Length: 0'])),
    status: 404,
    code: 'ROUTE_NOT_FOUND',
  },
  {
    name: 'a valid token followed by /%2e%2e/complete is not a route',
    request: (g) => rawExchange(g.h.gatewayPort, rawPost(`/callbacks/${g.plain.token}/%2e%2e/complete`, ['Content-Type: application/json'], '{}')),
    status: 404,
    code: 'ROUTE_NOT_FOUND',
  },
  {
    name: 'an encoded traversal in the token position (..%2f..%2fhealthz) is an invalid token',
    request: (g) => rawExchange(g.h.gatewayPort, rawRequest('POST', '/callbacks/..%2f..%2fhealthz', ['Content-Length: 0'])),
    status: 401,
    code: 'CALLBACK_TOKEN_INVALID',
  },
  // A sender that mistypes the route (/callback/<token>) must not get its token back.
  {
    name: 'a token under a mistyped route (/callback/<token>) is not echoed in the 404',
    request: (g) => postJson(`${g.h.gatewayUrl}/callback/${g.plain.token}`, {}),
    status: 404,
    code: 'ROUTE_NOT_FOUND',
  },
];

hostileSuite('methods and paths', (g) => {
  describe('methods', () => {
    test.each(METHOD_CASES)('$name', (c) => g.run(c));

    test('HEAD never delivers, even on a callback that allows GET', async () => {
      const allowGet = await mintFor(g.h.minter, g.plain, { allowGet: true });
      const response = await fetch(g.url(allowGet, '', '?decision=approve'), { method: 'HEAD' });
      // A HEAD answer has no body, so the code cannot be read; status, Allow and headers can.
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST, PUT');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(await response.text()).toBe('');
    });
  });

  describe('paths', () => {
    test.each(PATH_CASES)('$name', (c) => g.run(c));
  });
});
