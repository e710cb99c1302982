import pino from 'pino';
import { createJsonLogger, createPrettyLogger, redact, type Logger } from '../callback-gateway/logger';
import { LOG_REDACTION, redactUrl } from '../callback-gateway/log-redaction';
import { runTsx } from './support/processes';

describe('the logger', () => {
  test('writes one JSON object per line with time, level and message', () => {
    const lines: string[] = [];
    createJsonLogger({ write: (line: string) => lines.push(line) }, { service: 'gateway' }).info('request', { status: 202 });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', msg: 'request', service: 'gateway', status: 202 });
    expect(lines[0]!.endsWith('\n')).toBe(true);
  });

  test('never writes the values of secret-looking fields, at any depth', () => {
    const redacted = redact({ token: 'eyJ…', nested: { apiKey: 'dcb_x', headers: { authorization: 'Bearer x', 'x-trace': 'ok' } }, keyId: 'abc' });
    expect(redacted).toEqual({ token: '[redacted]', nested: { apiKey: '[redacted]', headers: { authorization: '[redacted]', 'x-trace': 'ok' } }, keyId: 'abc' });
  });
});

/** A value no line may contain, and the kind of secret it stands for. */
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJ3ZiI6IndmLTEifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
const API_KEY = 'dcb_k1_c2VjcmV0LXBhcnQtb2YtdGhlLWtleQ';
const SIGNATURE = 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDDX1ECA0=';
const COOKIE = 'session=c2Vzc2lvbi1zZWNyZXQ';

/** Each secret kind where a caller could put it, at the places pino's redact paths name. */
const AT_KNOWN_PLACES = {
  'callback token in a URL field': { url: `https://gw.example/callbacks/${TOKEN}/heartbeat?wait=3`, path: `/callbacks/${TOKEN}`, originalUrl: `/callbacks/${TOKEN}/fail` },
  'callback token in a request URL': { req: { url: `/callbacks/${TOKEN}?x=1`, originalUrl: `/callbacks/${TOKEN}` } },
  'API key in a URL query': { url: `https://gw.example/callbacks/${TOKEN}?api_key=${API_KEY}` },
  'API key in the query object': { query: { api_key: API_KEY }, req: { query: { api_key: API_KEY } } },
  Authorization: { headers: { authorization: `Bearer ${API_KEY}`, 'proxy-authorization': `Basic ${API_KEY}` }, authorization: `Bearer ${API_KEY}` },
  'X-API-Key': { headers: { 'x-api-key': API_KEY }, req: { headers: { 'x-api-key': API_KEY } }, apiKey: API_KEY },
  'webhook-signature': { headers: { 'webhook-signature': SIGNATURE }, signature: SIGNATURE },
  'provider signatures': { req: { headers: { 'x-hub-signature-256': SIGNATURE, 'stripe-signature': SIGNATURE, 'x-slack-signature': SIGNATURE } } },
  cookies: { headers: { cookie: COOKIE, 'set-cookie': [COOKIE] }, cookie: COOKIE },
  'a token or secret field': { token: TOKEN, secret: API_KEY, password: API_KEY, signingSecret: API_KEY, webhookSecret: API_KEY },
} satisfies Record<string, Record<string, unknown>>;

/** Each secret kind under names and depths no path lists: the name-pattern net (pino's `formatters.log`) catches these. */
const ANYWHERE = {
  'a field named like token': { deep: { a: { b: { c: { sessionToken: TOKEN, refresh_token: TOKEN } } } } },
  'a field named like secret': { config: { webhooks: [{ clientSecret: API_KEY }] } },
  'a field named like apiKey': { sender: { meta: { workerApiKey: API_KEY, 'X-Api-Key': API_KEY } } },
  'a capitalised header': { incoming: { headers: { Authorization: `Bearer ${API_KEY}`, Cookie: COOKIE, 'Webhook-Signature': SIGNATURE } } },
} satisfies Record<string, Record<string, unknown>>;

const SECRETS = [TOKEN, TOKEN.split('.')[2]!, API_KEY, API_KEY.slice(API_KEY.lastIndexOf('_') + 1), SIGNATURE.slice(3), COOKIE];

function leaks(lines: string[]): string[] {
  return SECRETS.filter((secret) => lines.some((line) => line.includes(secret)));
}

/** What a test wants to read back from a logger: its lines. */
function capture(make: (sink: { write(line: string): unknown }) => Logger): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: make({ write: (line: string) => lines.push(line) }), lines };
}

describe('redaction through pino', () => {
  test.each(Object.entries(AT_KNOWN_PLACES))("pino's redact paths alone take out %s", (_kind, fields) => {
    const lines: string[] = [];
    pino({ redact: LOG_REDACTION }, { write: (line: string) => lines.push(line) }).info(fields, 'request');
    expect(leaks(lines)).toEqual([]);
    expect(lines[0]).toContain('[redacted]');
  });

  test.each(Object.entries({ ...AT_KNOWN_PLACES, ...ANYWHERE }))('the JSON and readable loggers take out %s', (_kind, fields) => {
    for (const make of [createJsonLogger, createPrettyLogger]) {
      const { logger, lines } = capture((sink) => make(sink, { service: 'gateway' }));
      logger.info('request', fields);
      logger.warn('request', fields);
      logger.error('request', fields);
      expect(lines).toHaveLength(3);
      expect(leaks(lines)).toEqual([]);
      for (const line of lines) expect(line).toContain('[redacted]');
    }
  });

  test('a URL keeps what is not secret: host, route, other parameters', () => {
    expect(redactUrl(`https://gw.example/callbacks/${TOKEN}/heartbeat?wait=3&api_key=${API_KEY}#x`)).toBe('https://gw.example/callbacks/[redacted]/heartbeat?wait=3&api_key=[redacted]#x');
    expect(redactUrl('http://127.0.0.1:8080 (default GATEWAY_HOST)')).toBe('http://127.0.0.1:8080 (default GATEWAY_HOST)');
    expect(redactUrl('/webhooks/github?delivery=1')).toBe('/webhooks/github?delivery=1');
    // A sign-in's return: the authorization code and the state are credentials; the issuer is not.
    expect(redactUrl('https://gw.example/auth/oidc/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj&iss=https%3A%2F%2Fidp')).toBe(
      'https://gw.example/auth/oidc/callback?code=[redacted]&state=[redacted]&iss=https%3A%2F%2Fidp',
    );
  });

  test('base fields are redacted too, and what the logs rely on is kept under its name', () => {
    const { logger, lines } = capture((sink) => createJsonLogger(sink, { service: 'gateway', token: TOKEN }));
    const kept = { requestId: 'lb-1234', code: 'TEMPORAL_UNAVAILABLE', errorCode: 'CALLBACK_TOKEN_EXPIRED', reason: 'expired', kid: 'default', apiKeyId: 'k1', url: 'http://127.0.0.1:8080' };
    logger.info('request', kept);
    expect(leaks(lines)).toEqual([]);
    expect(JSON.parse(lines[0]!)).toEqual({ level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), service: 'gateway', token: '[redacted]', ...kept, msg: 'request' });
  });

  test('the readable format shows time, level and message, then the fields', () => {
    const { logger, lines } = capture((sink) => createPrettyLogger(sink, { service: 'gateway' }));
    logger.warn('request', { status: 401, reason: 'expired', nested: { a: 1 } });
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} warn  request service=gateway status=401 reason=expired nested=\{"a":1\}\n$/);
  });
});

describe('the stdout logger', () => {
  // pino writes asynchronously; on exit it writes what is still pending synchronously.
  test.each(['json', 'pretty'])('writes every %s line logged right before process.exit, in order', async (format) => {
    const result = await runTsx('test/fixtures/log-then-exit.ts', [format, '2000']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2000);
    expect(lines.map((line) => Number(/\bi"?[=:](\d+)/.exec(line)?.[1]))).toEqual([...Array(2000).keys()]);
  }, 30_000);
});
