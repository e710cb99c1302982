import { escapeKeyValue, isWellFormedKey, keyTemplateProblem, keyValueEscapes } from '../../workflows/webhook-key';

/**
 * Key templates: how the gateway derives a webhook event's routing key from the verified event.
 * A template is literal text with RFC 6901 JSON pointers in braces, e.g.
 * `{/repository/full_name}#{/pull_request/number}` → `octo/widgets#42`. Each pointer must reach
 * a string, a finite number or a boolean; otherwise the key does not resolve. Each value is
 * escaped by the workflows' `escapeKeyValue` (`%` and the literal text's other characters than
 * letters and digits become `%XX`), so distinct values always give distinct keys, and a workflow
 * builds the same key with `webhookKey`.
 */

/** One piece of a parsed template: literal text, or a JSON pointer's reference tokens. */
export type KeyTemplatePart = { text: string } | { pointer: string; tokens: string[] };

/** A parsed key template: see the module's description. */
export interface KeyTemplate {
  source: string;
  parts: KeyTemplatePart[];
  /** The characters escaped in each value: `%` and those of the literal text other than letters and digits. */
  escapes: ReadonlySet<string>;
}

/** The reference tokens of an RFC 6901 pointer (`''` is the whole document), or throws with what is wrong. */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`the JSON pointer '${pointer}' must start with '/'`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~(?![01])/.test(token)) throw new Error(`the JSON pointer '${pointer}' has a '~' not followed by 0 or 1`);
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/** The value `tokens` point at in `value`, or undefined when any step is missing (own properties and array indexes only). */
export function resolveJsonPointer(value: unknown, tokens: readonly string[]): unknown {
  let current = value;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
      current = current[Number(token)];
    } else if (typeof current === 'object' && current !== null && Object.prototype.hasOwnProperty.call(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return current;
}

/** Parses a key template, or throws with what is wrong (for configuration errors). */
export function parseKeyTemplate(template: string): KeyTemplate {
  const parts: KeyTemplatePart[] = [];
  let rest = template;
  while (rest.length > 0) {
    const open = rest.indexOf('{');
    const close = rest.indexOf('}');
    if (close !== -1 && (open === -1 || close < open)) throw new Error(`the key template '${template}' has a '}' outside a {/pointer}`);
    if (open === -1) {
      parts.push({ text: rest });
      break;
    }
    if (open > 0) parts.push({ text: rest.slice(0, open) });
    if (close === -1) throw new Error(`the key template '${template}' has a '{' without its '}'`);
    const pointer = rest.slice(open + 1, close);
    if (!pointer.startsWith('/')) throw new Error(`the key template '${template}' holds '{${pointer}}': a placeholder is a JSON pointer such as {/pull_request/number}`);
    parts.push({ pointer, tokens: parseJsonPointer(pointer) });
    rest = rest.slice(close + 1);
  }
  if (!parts.some((part) => 'pointer' in part)) throw new Error(`the key template '${template}' has no {/pointer}: every event would get the same key`);
  const { literals, pointers } = literalsOf(parts);
  const problem = keyTemplateProblem(
    literals,
    pointers.map((pointer) => `{${pointer}}`),
  );
  if (problem) throw new Error(`the key template '${template}' cannot make unambiguous keys: ${problem}`);
  return { source: template, parts, escapes: keyValueEscapes(literals) };
}

/** A template's literal text around its pointers (one more than the pointers; empty where two pointers touch). */
function literalsOf(parts: readonly KeyTemplatePart[]): { literals: string[]; pointers: string[] } {
  const literals = [''];
  const pointers: string[] = [];
  for (const part of parts) {
    if ('text' in part) {
      literals[literals.length - 1] += part.text;
    } else {
      pointers.push(part.pointer);
      literals.push('');
    }
  }
  return { literals, pointers };
}

/**
 * What a key template makes of a verified event: `resolved` with the key, `unresolved` when a
 * pointer does not reach a non-empty string, a finite number or a boolean (nobody can wait for
 * such an event: answer it `ignored`), or `malformed` when the key is not well-formed Unicode (a
 * value holds a lone UTF-16 surrogate: refuse it with `WEBHOOK_KEY_MALFORMED`, since it would
 * reach the mailbox of the key with U+FFFD in its place).
 */
export type WebhookKeyResolution = { status: 'resolved'; key: string } | { status: 'unresolved' } | { status: 'malformed' };

/**
 * Derives the key `template` gives `event`, each value escaped (see the module's description),
 * and says whether it can be routed: see {@link WebhookKeyResolution}. What the webhook route
 * calls to tell an event nobody can wait for from one it must refuse.
 */
export function resolveWebhookKey(template: KeyTemplate, event: unknown): WebhookKeyResolution {
  let key = '';
  for (const part of template.parts) {
    if ('text' in part) {
      key += part.text;
      continue;
    }
    const value = resolveJsonPointer(event, part.tokens);
    let text: string;
    if (typeof value === 'string' && value.length > 0) text = value;
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') text = String(value);
    else return { status: 'unresolved' };
    key += escapeKeyValue(text, template.escapes);
  }
  return isWellFormedKey(key) ? { status: 'resolved', key } : { status: 'malformed' };
}

/**
 * The key `template` derives from `event` ({@link resolveWebhookKey}), or undefined when it has
 * none that can be routed: a pointer that does not reach a string, finite number or boolean, or
 * a key that is not well-formed Unicode. Use {@link resolveWebhookKey} to tell the two apart.
 */
export function resolveKeyTemplate(template: KeyTemplate, event: unknown): string | undefined {
  const resolved = resolveWebhookKey(template, event);
  return resolved.status === 'resolved' ? resolved.key : undefined;
}
