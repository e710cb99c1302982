import { postJson } from '../support/harness';
import { hostileSuite, type HostileCase } from '../support/hostile';
import { rawExchange, rawPost } from '../support/raw-http';

/** Bad `?wait=`, bad delivery ids (Idempotency-Key, webhook-id) and bad failure reports on a plain callback. */

/** POSTs `body` as JSON to the plain callback's route `suffix` with `query` and `headers`. */
function postCase(name: string, status: number, code: HostileCase['code'], send: { body?: unknown; suffix?: string; query?: string; headers?: Record<string, string> }): HostileCase {
  return { name, status, code, request: (g) => postJson(g.url(g.plain.token, send.suffix, send.query), send.body ?? {}, send.headers) };
}

/** POSTs `{}` with an Idempotency-Key header of exactly these bytes (latin1), past what a fetch client would send. */
function rawIdempotencyKey(name: string, value: string): HostileCase {
  return {
    name,
    status: 400,
    code: 'INVALID_DELIVERY_ID',
    request: (g) => rawExchange(g.h.gatewayPort, Buffer.from(rawPost(`/callbacks/${g.plain.token}`, ['Content-Type: application/json', `Idempotency-Key: ${value}`], '{}'), 'latin1')),
  };
}

const DELIVERY_HEADER_CASES: HostileCase[] = [
  postCase('?wait=abc (INVALID_WAIT)', 400, 'INVALID_WAIT', { query: '?wait=abc' }),
  postCase('?wait=0 (INVALID_WAIT)', 400, 'INVALID_WAIT', { query: '?wait=0' }),
  postCase('a repeated ?wait= (INVALID_WAIT)', 400, 'INVALID_WAIT', { query: '?wait=5&wait=6' }),
  postCase('an Idempotency-Key of 300 characters', 400, 'INVALID_DELIVERY_ID', { headers: { 'idempotency-key': 'k'.repeat(300) } }),
  rawIdempotencyKey('a tab inside Idempotency-Key (passes the HTTP parser, refused by the gateway)', 'abc\tdef'),
  rawIdempotencyKey('non-ASCII bytes in Idempotency-Key', 'caf\xe9-\xff'),
  postCase('a webhook-id with a space, on a plain callback', 400, 'INVALID_DELIVERY_ID', { headers: { 'webhook-id': 'evt 1' } }),
  postCase('/fail without an error message: no error object', 422, 'INVALID_FAILURE_REPORT', { suffix: '/fail', body: { reason: 'no error object' } }),
  postCase('/fail without an error message: an empty one', 422, 'INVALID_FAILURE_REPORT', { suffix: '/fail', body: { error: { message: '' } } }),
  postCase('/fail without an error message: a type that is not a string', 422, 'INVALID_FAILURE_REPORT', { suffix: '/fail', body: { error: { message: 'x', type: 42 } } }),
  postCase('/fail without an error message, asking for a synchronous answer', 422, 'INVALID_FAILURE_REPORT', { suffix: '/fail', headers: { prefer: 'wait=5' } }),
];

hostileSuite('query and delivery headers', (g) => {
  test.each(DELIVERY_HEADER_CASES)('$name', (c) => g.run(c));
});
