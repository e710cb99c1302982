import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { decodeWebhookSecret } from '../callback-gateway/webhook-signature';
import { MAX_WEBHOOK_KEY_LENGTH, WEBHOOK_SOURCE_PATTERN } from '../workflows/protocol';
import { parseJsonPointer, parseKeyTemplate, type KeyTemplate } from './webhook-key-template';

/** The providers whose native signatures the gateway verifies. */
export type WebhookProvider = 'github' | 'stripe' | 'slack' | 'standard-webhooks';

/** The event type that stands for every event type without a rule of its own. */
export const ANY_EVENT = '*';

/** One configured webhook source, ready to use: its provider, secret and key rules. */
export interface WebhookSource {
  provider: WebhookProvider;
  /** The HMAC key: the secret's UTF-8 bytes (GitHub, Stripe, Slack) or a `whsec_` secret's decoded bytes (Standard Webhooks). */
  key: Uint8Array;
  /** Key templates by event type; {@link ANY_EVENT} for the rest. */
  events: ReadonlyMap<string, KeyTemplate>;
  /** Standard Webhooks: the JSON pointer to the event type in the body (default `/type`). */
  eventPointer: readonly string[];
}

/** The configured sources by name: the `:source` of `POST /webhooks/:source`. */
export type WebhookSources = ReadonlyMap<string, WebhookSource>;

const template = z.string().min(1).max(MAX_WEBHOOK_KEY_LENGTH);
const sourceSchema = z
  .strictObject({
    provider: z.enum(['github', 'stripe', 'slack', 'standard-webhooks']),
    secret: z.string().min(1).optional(),
    secretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
    eventPointer: z.string().optional(),
    events: z.record(z.string().min(1), z.strictObject({ key: template })).refine((events) => Object.keys(events).length > 0, 'name at least one event type'),
  })
  .refine((source) => (source.secret === undefined) !== (source.secretEnv === undefined), 'give exactly one of secret and secretEnv (better: secretEnv, naming an environment variable)')
  .refine((source) => source.eventPointer === undefined || source.provider === 'standard-webhooks', 'eventPointer is for standard-webhooks sources only');
const sourcesSchema = z.record(z.string().regex(WEBHOOK_SOURCE_PATTERN, '1 to 64 of A-Z a-z 0-9 . _ -'), sourceSchema);

/**
 * Parses the webhook sources file (`WEBHOOK_SOURCES_FILE`): JSON mapping each source name to its
 * provider, secret (`secretEnv` naming an environment variable, or `secret` inline) and key
 * template per event type. Secrets are read from `env` now, so a missing one stops startup.
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
    const secret = source.secret ?? env[source.secretEnv!];
    if (!secret) throw new Error(`${where}: the environment variable ${source.secretEnv} (its secretEnv) is not set`);
    const events = new Map<string, KeyTemplate>();
    try {
      for (const [event, rule] of Object.entries(source.events)) events.set(event, parseKeyTemplate(rule.key));
      sources.set(name, {
        provider: source.provider,
        key: source.provider === 'standard-webhooks' ? decodeWebhookSecret(secret) : Buffer.from(secret, 'utf8'),
        events,
        eventPointer: parseJsonPointer(source.eventPointer ?? '/type'),
      });
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
  }
  return sources;
}
