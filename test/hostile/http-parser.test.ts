import express from 'express';
import { createGatewayServer } from '../../callback-gateway/http-server';
import { sleep } from '../support/async';
import { deliveryEvents } from '../support/history';
import { hostileSuite, NO_DELIVERY, SERVER_LIMITS, type HostileCase, type HostileGateway } from '../support/hostile';
import { rawExchange, rawPost, rawRequest, type RawExchange, type RawExchangeOptions } from '../support/raw-http';
import type { RefusalCode } from '../support/refusals';

/** Requests the HTTP parser refuses, sent as raw bytes: malformed, smuggling, oversized, cut short, too slow. */

/** Writes the bytes `request` makes for the plain callback's path to a fresh connection. */
function rawCase(name: string, request: (path: string) => string, status: number, code: RefusalCode, options?: RawExchangeOptions, check?: HostileCase['check']): HostileCase {
  return { name, status, code, request: (g) => rawExchange(g.h.gatewayPort, request(`/callbacks/${g.plain.token}`), options), ...(check ? { check } : {}) };
}

const JSON_TYPE = 'Content-Type: application/json';
const closed: HostileCase['check'] = (sent) => expect((sent as RawExchange).closed).toBe(true);

const PARSER_CASES: HostileCase[] = [
  rawCase('headers over the 16 KiB limit (431)', (path) => rawPost(path, [JSON_TYPE, `X-Padding: ${'a'.repeat(20_000)}`], '{}'), 431, 'HEADERS_TOO_LARGE', { responses: Infinity }, closed),
  rawCase('a request line that is not HTTP', (path) => `GARBAGE ${path}\r\n\r\n`, 400, 'MALFORMED_REQUEST'),
  rawCase('an HTTP/2 preface sent to the HTTP/1.1 port', () => 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400, 'MALFORMED_REQUEST'),
  rawCase('a header name with a space in it', (path) => rawPost(path, [JSON_TYPE, 'Bad Header: 1'], '{}'), 400, 'MALFORMED_REQUEST'),
  rawCase('a control character (\\x01) in Idempotency-Key', (path) => rawPost(path, [JSON_TYPE, 'Idempotency-Key: abc\x01def'], '{}'), 400, 'MALFORMED_REQUEST'),
  rawCase(
    'Content-Length and Transfer-Encoding together (request smuggling)',
    (path) => rawRequest('POST', path, [JSON_TYPE, 'Content-Length: 2', 'Transfer-Encoding: chunked'], '2\r\n{}\r\n0\r\n\r\n'),
    400,
    'MALFORMED_REQUEST',
  ),
  rawCase('two different Content-Length headers', (path) => rawPost(path, [JSON_TYPE, 'Content-Length: 7'], '{}'), 400, 'MALFORMED_REQUEST'),
  // The client stays connected a moment after the refusal, as a real one would: one that hangs
  // up at once races the body read (see the half-close cases below) and may deliver data null.
  rawCase(
    'an invalid chunk size in a chunked body',
    (path) => rawRequest('POST', path, [JSON_TYPE, 'Transfer-Encoding: chunked'], 'zz\r\n{}\r\n0\r\n\r\n'),
    400,
    'MALFORMED_REQUEST',
    { lingerMs: 1_000 },
  ),
  // The announced 7 bytes are `{"cut":` (not JSON); the rest would be a next request, which
  // is not HTTP. The connection stays open a moment, as a real client's would.
  rawCase(
    'a Content-Length shorter than the body: the request is refused for its body, the tail gets no answer of its own',
    (path) => rawRequest('POST', path, [JSON_TYPE, 'Content-Length: 7'], '{"cut":"smuggled"}\r\n\r\n'),
    400,
    'MALFORMED_BODY',
    { responses: Infinity, lingerMs: 1_000 },
    (sent) => {
      expect((sent as RawExchange).responses).toHaveLength(1);
      expect((sent as RawExchange).closed).toBe(true);
    },
  ),
  // Node hands CONNECT to 'connect' listeners only; the gateway refuses it like other methods.
  {
    ...rawCase('CONNECT is refused with a JSON answer', (path) => rawRequest('CONNECT', path), 405, 'METHOD_NOT_ALLOWED'),
    or: { status: 400, code: 'MALFORMED_REQUEST' },
  },
];

/** A request that starts right away and never completes: Node's 30 s connections check must cut it off. */
function slowRequest(g: HostileGateway, request: string, dribble: string, signal: AbortSignal): Promise<RawExchange> {
  return rawExchange(g.h.gatewayPort, request, { timeoutMs: 45_000, responses: Infinity, dribble: { bytes: dribble, intervalMs: 400 }, signal });
}

hostileSuite('requests the HTTP parser refuses (raw bytes)', (g) => {
  /** Started before the other cases, so Node's 30 s connections check runs while they do. */
  let slowBody: Promise<RawExchange>;
  let slowHeaders: Promise<RawExchange>;
  const stopSlow = new AbortController();
  beforeAll(() => {
    const path = `/callbacks/${g.plain.token}`;
    // A valid token, complete headers, then a body that never completes (100 bytes announced).
    slowBody = slowRequest(g, rawRequest('POST', path, [JSON_TYPE, 'Content-Length: 100'], '{"a":'), '"slowly, never finishing"', stopSlow.signal);
    // A valid token, and headers that never end.
    slowHeaders = slowRequest(g, `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`, `X-Slow: ${'a'.repeat(200)}`, stopSlow.signal);
  });
  afterAll(() => stopSlow.abort());

  test.each(PARSER_CASES)('$name', (c) => g.run(c));

  // The sender half-closes while its token is being verified: the body can no longer be read,
  // which must never be delivered as "no data".
  test('a body cut short of its Content-Length, then the connection half-closed: 400, and nothing delivered', async () => {
    const victim = await g.waiting({ mode: 'stream' });
    const request = rawRequest('POST', `/callbacks/${victim.token}`, [JSON_TYPE, 'Content-Length: 100'], '{"cut":');
    const exchange = await rawExchange(g.h.gatewayPort, request, { halfClose: true, responses: Infinity });
    await g.run({ name: 'half-closed', request: async () => ({ sent: exchange, secrets: [victim.token] }), status: 400, code: 'MALFORMED_REQUEST', or: { status: 400, code: 'MALFORMED_BODY' } });
    await sleep(500);
    expect(await deliveryEvents(victim.handle)).toEqual(NO_DELIVERY);
  });

  // A complete request followed at once by FIN (as `nc -N` or an HTTP/1.0 client may send it).
  test('a complete request whose sender half-closes at once is never delivered with its body replaced by null', async () => {
    const victim = await g.waiting({ mode: 'stream' });
    const exchange = await rawExchange(g.h.gatewayPort, rawPost(`/callbacks/${victim.token}`, [JSON_TYPE], '{"decision":"approve"}'), { halfClose: true, responses: Infinity });
    await sleep(500);
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
    const victim = await g.waiting({ mode: 'stream' });
    const request = `${rawPost(`/callbacks/${victim.token}`, [JSON_TYPE], '{"first":true}')}GARBAGE\r\n\r\n`;
    const exchange = await rawExchange(g.h.gatewayPort, request, { responses: Infinity, lingerMs: 1_000 });
    const { signals } = await deliveryEvents(victim.handle);
    expect([
      { first: 202, signals: 1 },
      { first: 400, signals: 0 },
    ]).toContainEqual({ first: exchange.responses[0]?.status, signals });
  });

  test('a slow body (Content-Length 100, a few bytes dribbled) is cut off with 408', async () => {
    const exchange = await slowBody;
    expect(exchange.timedOut).toBe(false);
    await g.expectRefused(exchange, 408, 'REQUEST_TIMEOUT');
    expect(exchange.closed).toBe(true);
    // Node checks request timeouts on its connections-checking interval (30 s by default), so a
    // 1.5 s requestTimeoutMs cuts a slow sender off after 1.5 to ~31.5 s, not after 1.5 s.
    expect(exchange.elapsedMs).toBeGreaterThanOrEqual(SERVER_LIMITS.requestTimeoutMs);
    expect(exchange.elapsedMs).toBeLessThan(SERVER_LIMITS.requestTimeoutMs + 30_000 + 10_000);
  }, 60_000);

  test('slow headers (never finished) are cut off with 408', async () => {
    const exchange = await slowHeaders;
    expect(exchange.timedOut).toBe(false);
    await g.expectRefused(exchange, 408, 'REQUEST_TIMEOUT');
    expect(exchange.closed).toBe(true);
    expect(exchange.elapsedMs).toBeLessThan(SERVER_LIMITS.headersTimeoutMs + 30_000 + 10_000);
  }, 60_000);
});

describe('server limits', () => {
  // REQUEST_TIMEOUT_MS accepts 1000..9999; the headers timeout must then shrink with it.
  test('a request timeout under 10 s (allowed by the configuration) still builds a server', () => {
    expect(() => createGatewayServer(express(), { requestTimeoutMs: 5_000 })).not.toThrow();
  });
});
