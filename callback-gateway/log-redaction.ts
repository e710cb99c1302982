import type { redactOptions } from 'pino';

/**
 * What the gateway's logs never repeat: credentials (callback tokens, API keys, webhook
 * signatures and secrets, cookies (the sign-in session's among them), `Authorization`, a
 * sign-in's authorization code and state) and URLs that hold a token. Two layers, both
 * run by pino on every line (see `logger.ts`):
 *
 * - {@link LOG_REDACTION}, pino's own `redact`: the places a secret is known to sit, by exact
 *   path (top-level fields, a request's `headers` and `query`, URL fields), compiled once.
 * - {@link redact}, as pino's `formatters.log` hook: any field whose name looks secret, at any
 *   depth. pino's paths cannot say "a name containing `token`" or "at any depth" (a `*` stands
 *   for exactly one key), and approximating it with `*.name` / `*.*.name` paths cost 40–70 µs a
 *   line when measured against about 1.5 µs for this walk, more than the whole request log's
 *   budget (BENCHMARKS.md, benchmark 3). See docs/dependencies.md.
 */

/** What a redacted value is written as. */
export const REDACTED = '[redacted]';

/** Field names whose values are never written, whatever a caller passes, at any depth: a safety net, not the policy. */
const SECRET_FIELD = /token|secret|password|authorization|api[-_]?key$|signature|cookie|session|csrf/i;

/** Fields that hold a credential wherever they appear at the top of a line. */
const SECRET_FIELDS = ['token', 'secret', 'password', 'authorization', 'apiKey', 'api_key', 'signature', 'cookie', 'signingSecret', 'webhookSecret'];

/** Request headers that carry a credential (lower case, as Node gives them). */
const SECRET_HEADERS = [
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'cookie',
  'set-cookie',
  'webhook-signature',
  'x-hub-signature',
  'x-hub-signature-256',
  'stripe-signature',
  'x-slack-signature',
];

/**
 * Query parameters that carry a credential: `?api_key=` (how a sender may present its key), and
 * what an OpenID Connect provider sends back to `/auth/oidc/callback` (the authorization code, the
 * state, and in other response modes tokens).
 */
const SECRET_QUERY_PARAMS = ['api_key', 'token', 'code', 'state', 'id_token', 'access_token', 'session_state'];

/** Query parameter names whose values a URL field never keeps: those of {@link SECRET_QUERY_PARAMS} that {@link SECRET_FIELD} does not already match. */
const SECRET_URL_PARAM = new RegExp(`^(${SECRET_QUERY_PARAMS.join('|')})$`, 'i');

/** Fields that hold a URL or a path: their value is kept, with the token and any credential parameter taken out ({@link redactUrl}). */
const URL_FIELDS = new Set(['url', 'originalUrl', 'path']);

/** Where a request object's parts sit in a line: at the top (`headers`) or under `req`. */
const REQUEST_PREFIXES = ['', 'req.'];

/**
 * A callback URL's token segment (`/callbacks/<token>`, followed by nothing, `/`, `?` or `#`).
 * Webhook paths (`/webhooks/<source>`) name a configured source, not a credential.
 */
const CALLBACK_TOKEN_SEGMENT = /(\/callbacks\/)[^/?#\s]+/g;
/** One `name=value` query parameter. */
const QUERY_PARAM = /([?&])([^=&#\s]*)=([^&#\s]*)/g;

/** `url` with its callback token and the values of secret-looking query parameters replaced by {@link REDACTED}. */
export function redactUrl(url: string): string {
  return url
    .replace(CALLBACK_TOKEN_SEGMENT, `$1${REDACTED}`)
    .replace(QUERY_PARAM, (param, separator: string, name: string) => (SECRET_FIELD.test(name) || SECRET_URL_PARAM.test(name) ? `${separator}${name}=${REDACTED}` : param));
}

/** A path segment as pino's redact syntax wants it: bracketed and quoted when it is not an identifier. */
function segment(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `["${name}"]`;
}

/** Every exact path pino redacts; no wildcards (see the note at the top of this file). */
function redactPaths(): string[] {
  const underRequest = (part: string, names: string[]) => REQUEST_PREFIXES.flatMap((prefix) => names.map((name) => `${prefix}${part}${segment(name)}`));
  return [
    ...SECRET_FIELDS,
    ...URL_FIELDS,
    ...[...URL_FIELDS].map((name) => `req${segment(name)}`),
    ...underRequest('headers', SECRET_HEADERS),
    ...underRequest('query', SECRET_QUERY_PARAMS),
  ];
}

/** What a redacted path is written as: a URL field keeps its URL without the secrets in it, anything else is {@link REDACTED}. */
function censor(value: unknown, path: string[]): unknown {
  return typeof value === 'string' && URL_FIELDS.has(path[path.length - 1]!) ? redactUrl(value) : REDACTED;
}

/** pino's `redact` option for every gateway logger. */
export const LOG_REDACTION: redactOptions = { paths: redactPaths(), censor };

/** Replaces the values of secret-looking fields (at any depth) with `[redacted]`. */
export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const seen = new WeakSet<object>();
  const walk = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    if (seen.has(value)) return '[circular]';
    seen.add(value);
    if (Array.isArray(value)) return value.map(walk);
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, SECRET_FIELD.test(name) ? REDACTED : walk(inner)]));
  };
  return walk(fields) as Record<string, unknown>;
}
