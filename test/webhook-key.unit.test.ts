import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import fc from 'fast-check';
import { keyMalformed } from '../callback-gateway/webhooks/provider-signature';
import { ERROR_STATUS } from '../protocol/errors';
import { webhookMailboxId } from '../protocol/webhook-ids';
import { parseKeyTemplate, resolveKeyTemplate, resolveWebhookKey, type KeyTemplate } from '../callback-gateway/webhooks/webhook-key-template';
import { loadWebhookSources } from '../callback-gateway/webhooks/webhook-sources';
import { checkWebhookOptions } from '../workflows/create-webhook-wait';
import { webhookKey, type WebhookKeyValue } from '../workflows';

/**
 * Webhook keys are unambiguous (distinct values never give one key) and well-formed: what the
 * gateway derives from an event by a key template, and what a workflow builds with webhookKey.
 * Pure functions: no Temporal server, no gateway.
 */

/** The `type` of the ApplicationFailure `run` throws, or undefined when it does not throw. */
function failureTypeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    return (err as { type?: string }).type;
  }
}

/** An event holding `values` at the template's pointers, in order. */
function eventFor(template: KeyTemplate, values: readonly WebhookKeyValue[]): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  let next = 0;
  for (const part of template.parts) {
    if ('text' in part) continue;
    let node = event;
    part.tokens.slice(0, -1).forEach((token) => {
      node = (node[token] ??= {}) as Record<string, unknown>;
    });
    node[part.tokens.at(-1)!] = values[next++];
  }
  return event;
}

/** The key the gateway derives by `template` from an event holding `values`. */
function gatewayKey(template: string, ...values: WebhookKeyValue[]): string | undefined {
  const parsed = parseKeyTemplate(template);
  return resolveKeyTemplate(parsed, eventFor(parsed, values));
}

/** `webhookKey` called with `literals` as its template's literal text, as a tagged template would. */
function workflowKey(literals: readonly string[], values: readonly WebhookKeyValue[]): string {
  return webhookKey(Object.assign([...literals], { raw: [...literals] }), ...values);
}

describe('key templates: distinct values give distinct keys', () => {
  test("values holding the template's separator are escaped, so they no longer collide", () => {
    expect(gatewayKey('{/tenant}:{/order}', 'acme:1', '2')).toBe('acme%3A1:2');
    expect(gatewayKey('{/tenant}:{/order}', 'acme', '1:2')).toBe('acme:1%3A2');
  });

  test('common keys are unchanged', () => {
    expect(gatewayKey('{/repository/full_name}#{/pull_request/number}', 'octo/widgets', 42)).toBe('octo/widgets#42');
    expect(gatewayKey('{/container/message_ts}:{/actions/0/action_id}', '1700000000.000100', 'approve')).toBe('1700000000.000100:approve');
    expect(gatewayKey('{/data/object/id}', 'in_1Nxyz')).toBe('in_1Nxyz');
    expect(gatewayKey('approval:{/actions/0/value}', 'a-b.c_d/e')).toBe('approval:a-b.c_d/e');
  });

  test("'%' is always escaped, and a character is escaped per UTF-8 byte, in uppercase hex", () => {
    expect(gatewayKey('{/a}', '100%')).toBe('100%25');
    expect(gatewayKey('{/a}→{/b}', 'x→y', 'z')).toBe('x%E2%86%92y→z');
    expect(gatewayKey('{/a}😀{/b}', '😀', 'é')).toBe('%F0%9F%98%80😀é');
  });

  test.each([
    ['{/a}{/b}', /nothing between \{\/a\} and \{\/b\}/],
    ['{/a}x1{/b}', /only letters and digits \('x1'\) between \{\/a\} and \{\/b\}/],
    ['{/a}:{/b}{/c}', /nothing between \{\/b\} and \{\/c\}/],
    ['{/a}%{/b}', /'%'/],
    ['100%-{/a}', /'%'/],
    ['{/a}:\ud800{/b}', /well-formed/],
  ])('the template %s is refused at startup, saying why', (template, why) => {
    expect(() => parseKeyTemplate(template)).toThrow(why);
  });

  test('leading and trailing text may be letters and digits only', () => {
    expect(gatewayKey('pr{/number}v2', 7)).toBe('pr7v2');
  });

  test('the sources file names the source and the template that cannot make unambiguous keys', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-key-template-'));
    try {
      const file = path.join(dir, 'sources.json');
      await fs.writeFile(file, JSON.stringify({ shop: { provider: 'github', secret: 's', events: { order: { key: '{/tenant}{/order}' } } } }));
      expect(() => loadWebhookSources(file, {})).toThrow(/source 'shop'.*'\{\/tenant\}\{\/order\}' cannot make unambiguous keys/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  // Small alphabets full of separators, '%' and hex digits, so that collisions would be found if any existed.
  const tricky = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '2', '5', 'A', ':', '#', '/', '%', '-', '→', 'é', ' '), minLength: 1, maxLength: 5 });

  test.each([
    ['{/tenant}:{/order}', 2],
    ['{/repository/full_name}#{/pull_request/number}', 2],
    ['x{/a}a:b{/b}::{/c}y', 3],
    ['{/a}→{/b}', 2],
    ['{/a}-{/b}-{/c}', 3],
  ])('property: no two distinct value tuples give one key (%s)', (template, arity) => {
    const parsed = parseKeyTemplate(template);
    const tuple = fc.array(tricky, { minLength: arity, maxLength: arity });
    fc.assert(
      fc.property(fc.uniqueArray(tuple, { minLength: 2, maxLength: 200, selector: (values) => JSON.stringify(values) }), (tuples) => {
        const seen = new Map<string, string[]>();
        for (const values of tuples) {
          const key = resolveKeyTemplate(parsed, eventFor(parsed, values))!;
          expect({ key, values: seen.get(key) ?? values }).toEqual({ key, values });
          seen.set(key, values);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('property: a value cut at the separator in two places never gives one key', () => {
    const parsed = parseKeyTemplate('{/tenant}:{/order}');
    fc.assert(
      fc.property(tricky, tricky, tricky, (left, middle, right) => {
        // Without escaping, both give `left:middle:right`.
        const first = resolveKeyTemplate(parsed, { tenant: `${left}:${middle}`, order: right });
        const second = resolveKeyTemplate(parsed, { tenant: left, order: `${middle}:${right}` });
        expect(first).not.toBe(second);
      }),
    );
  });
});

describe('webhookKey: a workflow builds the key the gateway derives', () => {
  test('as a tagged template', () => {
    const repo = 'octo/widgets';
    expect(webhookKey`${repo}#${42}`).toBe('octo/widgets#42');
    expect(webhookKey`${'acme:1'}:${'2'}`).toBe('acme%3A1:2');
    expect(webhookKey`${'acme'}:${'1:2'}`).toBe('acme:1%3A2');
    expect(webhookKey`approval:${'50%'}`).toBe('approval:50%25');
    expect(webhookKey`${true}/${-1.5}`).toBe('true/-1.5');
  });

  test('refuses, as INVALID_CALLBACK_OPTIONS, what the gateway would refuse or never derive', () => {
    expect(failureTypeOf(() => webhookKey`${'a'}${'b'}`)).toBe('INVALID_CALLBACK_OPTIONS');
    expect(failureTypeOf(() => webhookKey`${'a'}x${'b'}`)).toBe('INVALID_CALLBACK_OPTIONS');
    expect(failureTypeOf(() => webhookKey`100%${'a'}`)).toBe('INVALID_CALLBACK_OPTIONS');
    expect(failureTypeOf(() => webhookKey`${''}:${'b'}`)).toBe('INVALID_CALLBACK_OPTIONS');
    expect(failureTypeOf(() => webhookKey`${Number.NaN}`)).toBe('INVALID_CALLBACK_OPTIONS');
    expect(failureTypeOf(() => webhookKey`constant`)).toBe('INVALID_CALLBACK_OPTIONS');
  });

  const letters = fc.constantFrom('a', 'Z', '0', '9', '.', '_', ':', '#', '/', '-', '→', '~', ' ');
  /** Literal text the gateway accepts: no braces or '%'; between two values, at least one character other than a letter or digit. */
  const literal = (inner: boolean) =>
    inner
      ? fc.tuple(fc.string({ unit: fc.constantFrom('a', '1'), maxLength: 2 }), fc.constantFrom(':', '#', '/', '-', '→', '.', ' '), fc.string({ unit: letters, maxLength: 3 })).map((parts) => parts.join(''))
      : fc.string({ unit: letters, maxLength: 4 });
  const value: fc.Arbitrary<WebhookKeyValue> = fc.oneof(
    fc.string({ unit: fc.oneof(letters, fc.constantFrom('%', 'é', '😀')), minLength: 1, maxLength: 6 }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
  );
  const template = fc.integer({ min: 1, max: 4 }).chain((arity) =>
    fc.record({
      literals: fc.tuple(literal(false), ...Array.from({ length: arity - 1 }, () => literal(true)), literal(false)),
      values: fc.array(value, { minLength: arity, maxLength: arity }),
    }),
  );

  test("property: webhookKey agrees with the gateway's resolution of the same template", () => {
    fc.assert(
      fc.property(template, ({ literals, values }) => {
        const source = literals.map((text, i) => (i < values.length ? `${text}{/v${i}}` : text)).join('');
        const event = Object.fromEntries(values.map((v, i) => [`v${i}`, v]));
        expect(resolveKeyTemplate(parseKeyTemplate(source), event)).toBe(workflowKey(literals, values));
      }),
      { numRuns: 500 },
    );
  });
});

describe('keys that are not well-formed Unicode', () => {
  const lone = 'approve:\ud800';
  const replaced = 'approve:\ufffd';

  test('would reach the mailbox of another key: a lone surrogate hashes like U+FFFD', () => {
    expect(webhookMailboxId('slack', lone)).toBe(webhookMailboxId('slack', replaced));
  });

  test('the gateway reports them as malformed (never as a key), and keeps U+FFFD as it is', () => {
    const template = parseKeyTemplate('{/actions/0/value}');
    expect(resolveWebhookKey(template, { actions: [{ value: lone }] })).toEqual({ status: 'malformed' });
    expect(resolveKeyTemplate(template, { actions: [{ value: lone }] })).toBeUndefined();
    expect(resolveWebhookKey(template, { actions: [{ value: replaced }] })).toEqual({ status: 'resolved', key: replaced });
    expect(resolveWebhookKey(template, { actions: [] })).toEqual({ status: 'unresolved' });
    expect(resolveWebhookKey(parseKeyTemplate('{/a}:{/b}'), { a: '\udc00', b: 'x' })).toEqual({ status: 'malformed' });
  });

  test('the refusal the route answers is WEBHOOK_KEY_MALFORMED, a 422', () => {
    const refusal = keyMalformed();
    expect({ code: refusal.code, status: refusal.status }).toEqual({ code: 'WEBHOOK_KEY_MALFORMED', status: 422 });
    expect(ERROR_STATUS.WEBHOOK_KEY_MALFORMED).toBe(422);
  });

  test('a webhook wait refuses such a key with INVALID_CALLBACK_OPTIONS, and takes U+FFFD', () => {
    expect(failureTypeOf(() => checkWebhookOptions({ source: 'slack', key: lone }))).toBe('INVALID_CALLBACK_OPTIONS');
    expect(failureTypeOf(() => checkWebhookOptions({ source: 'slack', key: '\udfff' }))).toBe('INVALID_CALLBACK_OPTIONS');
    expect(failureTypeOf(() => checkWebhookOptions({ source: 'slack', key: replaced }))).toBeUndefined();
    expect(failureTypeOf(() => checkWebhookOptions({ source: 'slack', key: 'approve:😀' }))).toBeUndefined();
  });

  test("a fresh V8 context, like the workflow sandbox's, has String.prototype.isWellFormed", () => {
    expect(vm.runInNewContext(`['a\\ud800'.isWellFormed(), 'a\\ud83d\\ude00'.isWellFormed()]`)).toEqual([false, true]);
  });
});
