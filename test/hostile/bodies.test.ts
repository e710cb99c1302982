import zlib from 'node:zlib';
import { postJson } from '../support/harness';
import { hostileSuite, MAX_BODY_BYTES, type HostileCase } from '../support/hostile';
import type { RefusalCode } from '../support/refusals';

/** Bodies the gateway must refuse before anything reaches a workflow: too large, too deep, malformed, of the wrong type. */

/** POSTs to the plain callback with `init`'s headers and body (made when the case runs). */
function bodyCase(name: string, init: () => RequestInit, status: number, code: RefusalCode): HostileCase {
  return { name, status, code, request: (g) => fetch(g.plain.url, { method: 'POST', ...init() }) };
}

/** `body` under one Content-Type (JSON unless given). */
const typed = (body: RequestInit['body'], contentType = 'application/json'): RequestInit => ({ headers: { 'content-type': contentType }, body });

const BODY_CASES: HostileCase[] = [
  { name: 'a body over the limit (413)', request: (g) => postJson(g.plain.url, { big: 'x'.repeat(MAX_BODY_BYTES + 100) }), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  bodyCase(
    'a gzip bomb: 1 KB on the wire, 1 MB inflated (413)',
    () => {
      const bomb = zlib.gzipSync(JSON.stringify({ big: 'x'.repeat(1_000_000) }));
      expect(bomb.byteLength).toBeLessThan(MAX_BODY_BYTES);
      return { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb };
    },
    413,
    'PAYLOAD_TOO_LARGE',
  ),
  bodyCase(
    'a form with more than 1000 fields (413)',
    () => {
      const form = Array.from({ length: 1_001 }, (_, i) => `f${i}=`).join('&');
      expect(Buffer.byteLength(form)).toBeLessThan(MAX_BODY_BYTES);
      return typed(form, 'application/x-www-form-urlencoded');
    },
    413,
    'PAYLOAD_TOO_LARGE',
  ),
  bodyCase('JSON nested 33 levels deep (BODY_TOO_DEEP)', () => typed(`${'['.repeat(33)}${']'.repeat(33)}`), 400, 'BODY_TOO_DEEP'),
  bodyCase('JSON nested 1000 levels deep in objects (BODY_TOO_DEEP)', () => typed(`${'{"a":'.repeat(1_000)}1${'}'.repeat(1_000)}`), 400, 'BODY_TOO_DEEP'),
  bodyCase('JSON nested 4000 levels deep in arrays (BODY_TOO_DEEP)', () => typed(`${'['.repeat(4_000)}${']'.repeat(4_000)}`), 400, 'BODY_TOO_DEEP'),
  bodyCase('an integer over 2^53 - 1, which would lose digits (NUMBER_NOT_EXACT)', () => typed('{"id":9007199254740993}'), 400, 'NUMBER_NOT_EXACT'),
  bodyCase('a 30-digit integer (NUMBER_NOT_EXACT)', () => typed('{"id":123456789012345678901234567890}'), 400, 'NUMBER_NOT_EXACT'),
  bodyCase('a number that overflows to Infinity (NUMBER_NOT_EXACT)', () => typed('{"amount":1e400}'), 400, 'NUMBER_NOT_EXACT'),
  bodyCase('a number that overflows to -Infinity, as the whole body (NUMBER_NOT_EXACT)', () => typed('-1e400'), 400, 'NUMBER_NOT_EXACT'),
  bodyCase(
    'a number over 2^53 - 1 in an application/*+json body (NUMBER_NOT_EXACT)',
    () => typed('{"data":{"id":18446744073709551615}}', 'application/cloudevents+json'),
    400,
    'NUMBER_NOT_EXACT',
  ),
  bodyCase(
    'invalid UTF-8 in a JSON body (MALFORMED_BODY)',
    () => typed(Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]), 'application/json; charset=utf-8'),
    400,
    'MALFORMED_BODY',
  ),
  bodyCase('invalid UTF-8 in a text body (MALFORMED_BODY)', () => typed(Buffer.from([0x61, 0xed, 0xa0, 0x80, 0x62]), 'text/plain'), 400, 'MALFORMED_BODY'),
  bodyCase('a wrong content type (application/xml)', () => typed('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', 'application/xml'), 415, 'UNSUPPORTED_CONTENT_TYPE'),
  bodyCase('a body without a content type', () => ({ body: new Blob(['{"no":"type"}']) }), 415, 'UNSUPPORTED_CONTENT_TYPE'),
  bodyCase('an unsupported charset (JSON in iso-8859-1)', () => typed('{}', 'application/json; charset=iso-8859-1'), 415, 'UNSUPPORTED_CONTENT_TYPE'),
  bodyCase(
    'an unsupported Content-Encoding (compress)',
    () => ({ headers: { 'content-type': 'application/json', 'content-encoding': 'compress' }, body: '{}' }),
    415,
    'UNSUPPORTED_CONTENT_TYPE',
  ),
  bodyCase(
    'a body that claims gzip but is not (MALFORMED_BODY)',
    () => ({ headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: '{"not":"gzip"}' }),
    400,
    'MALFORMED_BODY',
  ),
];

hostileSuite('bodies', (g) => {
  test.each(BODY_CASES)('$name', (c) => g.run(c));
});
