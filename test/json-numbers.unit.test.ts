import { inexactJsonNumber } from '../callback-gateway/middleware/read-body';

/** The rule for JSON numbers, on the parsed value as the gateway reads it: exact, or refused. End to end: test/hostile/bodies.test.ts and test/callback-delivery.test.ts. */

const inexact = (text: string) => inexactJsonNumber(JSON.parse(text));

describe('a JSON number that would not arrive as sent', () => {
  test.each([
    ['2^53 + 1, which reads as 2^53', '9007199254740993'],
    ['2^53 itself, which 2^53 + 1 also reads as', '9007199254740992'],
    ['a 30-digit integer', '123456789012345678901234567890'],
    ['a negative integer below -(2^53 - 1)', '-9007199254740993'],
    ['an overflow to Infinity', '1e400'],
    ['an overflow to -Infinity', '-1e400'],
    ['an exponent beyond 2^53', '1e20'],
    ['a fraction that rounds up to 2^53', '9007199254740991.9'],
    ['one deep inside an object', '{"a":[1,{"b":[2,{"id":12345678901234567890}]}]}'],
    ['one among many good ones', `[${Array.from({ length: 1000 }, (_, i) => i).join(',')},1e400]`],
  ])('is found: %s', (_name, text) => {
    expect(inexact(text)).toBeDefined();
  });
});

describe('a JSON number that arrives as sent (or, for a fraction, as the nearest double)', () => {
  test.each([
    ['2^53 - 1', '9007199254740991'],
    ['-(2^53 - 1)', '-9007199254740991'],
    ['0.1', '0.1'],
    ['an exponent giving an exact integer', '1e3'],
    ['a negative exponent', '2.5E-3'],
    ['zero in its forms', '[0,-0,0.0,0e10]'],
    ['a tiny fraction', '1e-300'],
    ['numbers inside strings are text', '{"id":"123456789012345678901234567890","n":"1e400"}'],
    ['no numbers at all', '{"a":[true,null,"x",{}]}'],
    ['a bare string', '"9007199254740993"'],
  ])('passes: %s', (_name, text) => {
    expect(inexact(text)).toBeUndefined();
  });
});
