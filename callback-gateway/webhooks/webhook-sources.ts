import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { decodeStandardWebhooksSecret } from '../standard-webhooks';
import { MAX_WEBHOOK_KEY_LENGTH, WEBHOOK_SOURCE_PATTERN } from '../../protocol/definitions';
import { parseJsonPointer, parseKeyTemplate, type KeyTemplate } from './webhook-key-template';
import { NAME_RULE } from '../../protocol/names';

/** The providers whose native signatures the gateway verifies. */
export type WebhookProvider = 'github' | 'stripe' | 'slack' | 'standard-webhooks';

/** The event type that stands for every event type without a rule of its own. */
export const ANY_EVENT = '*';

/** The most secrets one source may name: a rotation needs two; every one more costs each refused request an HMAC. */
export const MAX_SECRETS_PER_SOURCE = 4;

/** One configured webhook source, ready to use: its provider, secrets and key rules. */
export interface WebhookSource {
  provider: WebhookProvider;
  /**
   * The HMAC keys, one per configured secret, in the order configured (1 to
   * {@link MAX_SECRETS_PER_SOURCE}): a signature made with any of them verifies, so a secret can
   * be rotated without refusing the requests signed with the other. Each is the secret's UTF-8
   * bytes (GitHub, Stripe, Slack) or a `whsec_` secret's decoded bytes (Standard Webhooks).
   */
  keys: readonly Uint8Array[];
  /** Key templates by event type; {@link ANY_EVENT} for the rest. */
  events: ReadonlyMap<string, KeyTemplate>;
  /** Standard Webhooks: the JSON pointer to the event type in the body (default `/type`). */
  eventPointer: readonly string[];
}

/** The configured sources by name: the `:source` of `POST /webhooks/:source`. */
export type WebhookSources = ReadonlyMap<string, WebhookSource>;

const template = z.string().min(1).max(MAX_WEBHOOK_KEY_LENGTH);
/** One value, or a list of 1 to {@link MAX_SECRETS_PER_SOURCE} of them (several secrets during a rotation). */
const oneOrMore = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).min(1, 'name at least one secret').max(MAX_SECRETS_PER_SOURCE, `name at most ${MAX_SECRETS_PER_SOURCE} secrets`)]);
const sourceSchema = z
  .strictObject({
    provider: z.enum(['github', 'stripe', 'slack', 'standard-webhooks']),
    secret: oneOrMore(z.string().min(1)).optional(),
    secretEnv: oneOrMore(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')).optional(),
    eventPointer: z.string().optional(),
    events: z.record(z.string().min(1), z.strictObject({ key: template })).refine((events) => Object.keys(events).length > 0, 'name at least one event type'),
  })
  .refine((source) => (source.secret === undefined) !== (source.secretEnv === undefined), 'give exactly one of secret and secretEnv (better: secretEnv, naming an environment variable, or a list of them while a secret is rotated)')
  .refine((source) => source.eventPointer === undefined || source.provider === 'standard-webhooks', 'eventPointer is for standard-webhooks sources only');
const sourcesSchema = z.record(z.string().regex(WEBHOOK_SOURCE_PATTERN, NAME_RULE), sourceSchema);

/** A source's secrets in the order configured: read from `env` for `secretEnv`, or given inline as `secret`. */
function secretsOf(source: { secret?: string | string[]; secretEnv?: string | string[] }, env: Record<string, string | undefined>, where: string): string[] {
  if (source.secret !== undefined) return typeof source.secret === 'string' ? [source.secret] : source.secret;
  const names = typeof source.secretEnv === 'string' ? [source.secretEnv] : source.secretEnv!;
  return names.map((name) => {
    const secret = env[name];
    if (!secret) throw new Error(`${where}: the environment variable ${name} (its secretEnv) is not set`);
    return secret;
  });
}

/**
 * Parses the webhook sources file (`WEBHOOK_SOURCES_FILE`): JSON mapping each source name to its
 * provider, secrets (`secretEnv` naming an environment variable, or `secret` inline; either may
 * be a list, so that during a rotation a request signed with the old or the new secret verifies)
 * and key template per event type. Secrets are read from `env` now, so a missing one stops
 * startup.
 * @throws Error whose message names the file, the source and the field to fix.
 */
export function loadWebhookSources(file: string, env: Record<string, string | undefined>): Map<string, WebhookSource> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`WEBHOOK_SOURCES_FILE (${file}) is not readable JSON: ${(err as Error).message}`);
  }
  const parsed = sourcesSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new Error(`WEBHOOK_SOURCES_FILE (${file}) is not a valid sources file; fix:\n${problems.join('\n')}`);
  }
  const sources = new Map<string, WebhookSource>();
  for (const [name, source] of Object.entries(parsed.data)) {
    const where = `WEBHOOK_SOURCES_FILE (${file}), source '${name}'`;
    const secrets = secretsOf(source, env, where);
    const events = new Map<string, KeyTemplate>();
    try {
      for (const [event, rule] of Object.entries(source.events)) events.set(event, parseKeyTemplate(rule.key));
      sources.set(name, {
        provider: source.provider,
        keys: secrets.map((secret) => (source.provider === 'standard-webhooks' ? decodeStandardWebhooksSecret(secret) : Buffer.from(secret, 'utf8'))),
        events,
        eventPointer: parseJsonPointer(source.eventPointer ?? '/type'),
      });
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
  }
  return sources;
}
