import { invalidOption } from './durations';

/**
 * Webhook keys made of several values, without ambiguity. A key template such as
 * `{/tenant}:{/order}` would give tenant `acme:1` with order `2` and tenant `acme` with order
 * `1:2` the same key if values were pasted in as they are. So, within each value, `%` and every
 * character of the template's literal text other than a letter or digit is percent-escaped
 * (`%XX`, uppercase hex, per UTF-8 byte): `acme%3A1:2` and `acme:1%3A2`. A template whose literal
 * text holds `%`, or puts two values side by side with no such character between them, cannot
 * be made unambiguous and is refused. Keys of the usual shapes are unchanged:
 * `{/repository/full_name}#{/pull_request/number}` still gives `octo/widgets#42`.
 *
 * The gateway escapes the values it reads from events with {@link escapeKeyValue}, and workflows
 * build the key they wait for with {@link webhookKey}: one rule, so both sides agree.
 */

/** A value a key is made of: what a key template's JSON pointer may reach (a string, a finite number, a boolean). */
export type WebhookKeyValue = string | number | boolean;

const ALPHANUMERIC = /^[A-Za-z0-9]$/;

/** A well-formed string: no lone UTF-16 surrogate. ES2024; Node 20 and the workflow sandbox's V8 have it. */
interface WellFormedString {
  isWellFormed(): boolean;
}

/**
 * True when `text` is well-formed Unicode: no lone UTF-16 surrogate (which JSON's `\ud800` escapes
 * can produce). A key that is not would hash, as UTF-8, like one holding U+FFFD instead, so the
 * gateway refuses such keys and a wait may not name one.
 */
export function isWellFormedKey(text: string): boolean {
  return (text as unknown as WellFormedString).isWellFormed();
}

/**
 * The characters {@link escapeKeyValue} escapes for a template whose literal text is `literals`
 * (the text around its values, in order): `%` and each character of the literals that is not
 * an ASCII letter or digit.
 */
export function keyValueEscapes(literals: readonly string[]): ReadonlySet<string> {
  const escapes = new Set<string>(['%']);
  for (const literal of literals) {
    for (const char of literal) if (!ALPHANUMERIC.test(char)) escapes.add(char);
  }
  return escapes;
}

/** `char` (one code point) as `%XX` per byte of its UTF-8 encoding, uppercase hex. */
function percentEncode(char: string): string {
  const point = char.codePointAt(0)!;
  const bytes =
    point < 0x80
      ? [point]
      : point < 0x800
        ? [0xc0 | (point >> 6), 0x80 | (point & 0x3f)]
        : point < 0x10000
          ? [0xe0 | (point >> 12), 0x80 | ((point >> 6) & 0x3f), 0x80 | (point & 0x3f)]
          : [0xf0 | (point >> 18), 0x80 | ((point >> 12) & 0x3f), 0x80 | ((point >> 6) & 0x3f), 0x80 | (point & 0x3f)];
  return bytes.map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/**
 * Escapes one value of a key: each character in `escapes` (from {@link keyValueEscapes}) becomes
 * `%XX` per UTF-8 byte, uppercase hex; everything else is kept. The gateway applies it to each
 * value its key template reads, and {@link webhookKey} to each value a workflow interpolates.
 */
export function escapeKeyValue(value: string, escapes: ReadonlySet<string>): string {
  let escaped = '';
  for (const char of value) escaped += escapes.has(char) ? percentEncode(char) : char;
  return escaped;
}

/**
 * Why a key template with literal text `literals` around values named `names` (one fewer than
 * the literals) cannot make unambiguous keys, or undefined when it can. Refused: `%` in the
 * literal text (it starts the escapes), two values with nothing between them or only letters and
 * digits (which are never escaped, so where one value ends would be unknown), and literal text
 * that is not well-formed Unicode.
 */
export function keyTemplateProblem(literals: readonly string[], names: readonly string[]): string | undefined {
  for (const literal of literals) {
    if (literal.includes('%')) {
      return `its literal text holds '%', which starts the %XX escapes put in values (a '%' in a value becomes %25), so a key could be read two ways; leave '%' out of the literal text`;
    }
    if (!isWellFormedKey(literal)) return 'its literal text is not well-formed Unicode (it holds a lone UTF-16 surrogate)';
  }
  for (let i = 1; i < names.length; i++) {
    const between = literals[i] ?? '';
    if (![...between].some((char) => !ALPHANUMERIC.test(char))) {
      const what = between === '' ? 'nothing' : `only letters and digits ('${between}')`;
      return (
        `it has ${what} between ${names[i - 1]} and ${names[i]}: letters and digits are not escaped in values, so where one value ends and the next begins ` +
        `would be unknown (values 'ab' and 'c' would give the key of 'a' and 'bc'); separate them with another character, such as ':' or '#'`
      );
    }
  }
  return undefined;
}

/** A value as the gateway puts it in a key, or an `INVALID_CALLBACK_OPTIONS` failure for one it never would. */
function keyValueText(value: WebhookKeyValue, index: number): string {
  if (typeof value === 'string' && value.length > 0) return value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value);
  throw invalidOption(
    `webhookKey's value ${index + 1} must be a non-empty string, a finite number or a boolean, as a key template's pointer reaches; got ${JSON.stringify(value) ?? String(value)}.`,
  );
}

/**
 * Builds a webhook key exactly as the gateway derives it from an event by a key template with the
 * same literal text: the tagged template `` webhookKey`${tenant}:${order}` `` is the key of
 * template `{/tenant}:{/order}` for an event with those values. Each value is escaped by
 * {@link escapeKeyValue}, so values that hold the template's separators (`acme:1`) still give
 * a key of their own. Use it for any key made of more than one value, or of values that may hold
 * `%` or the template's literal characters. Runs in the workflow sandbox.
 *
 * @example
 * ```ts
 * // The gateway's github source keys pull_request events by {/repository/full_name}#{/pull_request/number}:
 * const key = webhookKey`${repo}#${number}`; // 'octo/widgets#42'
 * const result = await waitForWebhook({ source: 'github', event: 'pull_request', key });
 * ```
 * @throws `ApplicationFailure` of type `INVALID_CALLBACK_OPTIONS` (non-retryable) for a template the
 *   gateway would refuse (see {@link keyTemplateProblem}) or a value no pointer reaches (an empty
 *   string, `NaN`, ...).
 */
export function webhookKey(literals: TemplateStringsArray, ...values: WebhookKeyValue[]): string {
  if (values.length === 0) throw invalidOption('webhookKey needs at least one ${value}: every event would get the same key.');
  const texts = [...literals].map((literal) => {
    if (literal === undefined) throw invalidOption('webhookKey\'s literal text holds an invalid escape sequence.');
    return literal;
  });
  const problem = keyTemplateProblem(
    texts,
    values.map((_, i) => `\${value ${i + 1}}`),
  );
  if (problem) throw invalidOption(`webhookKey's template cannot make unambiguous keys: ${problem}.`);
  const escapes = keyValueEscapes(texts);
  let key = texts[0]!;
  values.forEach((value, i) => {
    key += escapeKeyValue(keyValueText(value, i), escapes) + texts[i + 1]!;
  });
  return key;
}
