import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { deliveryEvents } from '../support/history';
import { hostileSuite, MAX_BODY_BYTES, NO_DELIVERY, type HostileCase } from '../support/hostile';
import { rawExchange, rawRequest, type RawExchange } from '../support/raw-http';

/**
 * `Expect: 100-continue`: a body announced over the limit is refused before `100 Continue`, so
 * it is never uploaded; a body within it is invited and delivered; any other expectation gets
 * Node's 417.
 */

const JSON_TYPE = 'Content-Type: application/json';
const ANNOUNCED = 'Content-Length: 2000000';

/** Headers only, announcing a 2 MB body and waiting for `100 Continue` before sending it (which never happens). */
function announced(name: string, headers: string[], path: (g: Parameters<HostileCase['request']>[0]) => string = (g) => `/callbacks/${g.plain.token}`): HostileCase {
  return {
    name,
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    request: (g) => rawExchange(g.h.gatewayPort, rawRequest('POST', path(g), headers), { responses: Infinity }),
    check(sent) {
      const exchange = sent as RawExchange;
      expect(exchange.raw.startsWith('HTTP/1.1 413 ')).toBe(true);
      expect(exchange.raw).not.toMatch(/^HTTP\/1\.1 100/m);
      expect(exchange.responses).toHaveLength(1);
      expect(exchange.responses[0]!.headers.connection).toBe('close');
      expect(exchange.closed).toBe(true);
    },
  };
}

const EXPECT_CASES: HostileCase[] = [
  announced('a 2 MB body announced with Expect: 100-continue: 413 first, no 100 Continue, connection closed', [JSON_TYPE, 'Expect: 100-continue', ANNOUNCED]),
  announced('the same, with the expectation in other letter case', [JSON_TYPE, 'Expect: 100-Continue', ANNOUNCED]),
  announced('the same, gzip-encoded (a compressed body over the limit as sent is over it inflated)', [JSON_TYPE, 'Content-Encoding: gzip', 'Expect: 100-continue', ANNOUNCED]),
  announced('the same to the signed callback, without a signature', [JSON_TYPE, 'Expect: 100-continue', ANNOUNCED], (g) => `/callbacks/${g.signed.token}`),
  announced('the same to a token that is not one: the size is refused before any route', [JSON_TYPE, 'Expect: 100-continue', ANNOUNCED], () => '/callbacks/not-a-token'),
  announced('one byte over the limit', [JSON_TYPE, 'Expect: 100-continue', `Content-Length: ${MAX_BODY_BYTES + 1}`]),
  {
    name: 'a gzip body over the limit as sent, without Expect: 413 before it is inflated',
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    request: (g) => {
      const body = zlib.gzipSync(JSON.stringify({ noise: randomBytes(MAX_BODY_BYTES).toString('base64') }));
      expect(body.byteLength).toBeGreaterThan(MAX_BODY_BYTES);
      return fetch(g.plain.url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body });
    },
  },
];

hostileSuite('Expect: 100-continue', (g) => {
  test.each(EXPECT_CASES)('$name', (c) => g.run(c));

  test('a body within the limit, announced with Expect: 100-continue, gets 100 Continue, is sent after it, and is delivered: 202', async () => {
    const victim = await g.waiting({});
    const body = JSON.stringify({ decision: 'approve' });
    const headers = [JSON_TYPE, 'Expect: 100-continue', `Content-Length: ${Buffer.byteLength(body)}`];
    const exchange = await rawExchange(g.h.gatewayPort, rawRequest('POST', `/callbacks/${victim.token}`, headers), { afterContinue: body, responses: 2 });
    expect(exchange.responses.map((response) => response.status)).toEqual([100, 202]);
    expect(await victim.handle.result()).toMatchObject({ status: 'received', data: { decision: 'approve' } });
    expect(await deliveryEvents(victim.handle)).toEqual({ signals: 1, updates: 0 });
  });

  test('an expectation other than 100-continue gets 417 (as Node answers it), no 100 Continue, and delivers nothing', async () => {
    const victim = await g.waiting({});
    const body = JSON.stringify({ decision: 'approve' });
    const headers = [JSON_TYPE, 'Expect: 200-ok', `Content-Length: ${Buffer.byteLength(body)}`];
    const exchange = await rawExchange(g.h.gatewayPort, rawRequest('POST', `/callbacks/${victim.token}`, headers, body));
    expect(exchange.raw.startsWith('HTTP/1.1 417 ')).toBe(true);
    expect(exchange.raw).not.toMatch(/^HTTP\/1\.1 100/m);
    expect(await deliveryEvents(victim.handle)).toEqual(NO_DELIVERY);
  });
});
