import { failureReportSchema } from '../callback-gateway/contract/schemas';
import { parseFailureReport } from '../protocol/definitions';

/**
 * `parseFailureReport` is the rule the gateway and the workflow apply to `fail` bodies; the
 * OpenAPI document describes it with a zod schema. Both must say the same of every body.
 */
const BODIES: Array<[string, unknown, boolean]> = [
  ['a message', { error: { message: 'disk full' } }, true],
  ['a message, a type and details', { error: { message: 'disk full', type: 'Quota', details: { used: 1 } } }, true],
  ['details that are null', { error: { message: 'x', details: null } }, true],
  ['other fields beside error', { error: { message: 'x' }, requestId: 7 }, true],
  ['other fields inside error', { error: { message: 'x', code: 3 } }, true],
  ['an empty message', { error: { message: '' } }, false],
  ['a message that is a number', { error: { message: 42 } }, false],
  ['a type that is a number', { error: { message: 'x', type: 1 } }, false],
  ['a type that is null', { error: { message: 'x', type: null } }, false],
  ['no message', { error: { type: 'Quota' } }, false],
  ['error as a string', { error: 'disk full' }, false],
  ['error as a list', { error: [{ message: 'x' }] }, false],
  ['no error', { message: 'x' }, false],
  ['a list', [{ error: { message: 'x' } }], false],
  ['null', null, false],
  ['a string', 'disk full', false],
];

describe('a failure report', () => {
  test.each(BODIES)('%s: accepted: %s, by the rule and by the documented schema alike', (_name, body, accepted) => {
    expect(parseFailureReport(body) !== undefined).toBe(accepted);
    expect(failureReportSchema.safeParse(body).success).toBe(accepted);
  });

  test('keeps the message, the type and the details, and nothing else', () => {
    expect(parseFailureReport({ error: { message: 'm', type: 't', details: [1], extra: true } })).toEqual({ message: 'm', type: 't', details: [1] });
    expect(parseFailureReport({ error: { message: 'm' } })).toEqual({ message: 'm' });
  });
});
