import { createJsonLogger, redact } from '../callback-gateway/logger';

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
