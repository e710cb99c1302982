import { z } from 'zod';
import { ConfigError } from './config-error';
import { nonEmpty, type ConfigProblems } from './load-config';

/**
 * The worker's notification settings: the SMTP server and sender of approval mails, the Slack bot
 * that posts approval cards, and the secrets that sign notification webhooks. Parsed once at
 * startup with the worker's other settings; each channel works only when its settings are given.
 */

/** Slack's Web API, where `SLACK_API_URL` points unless a stand-in is configured. */
export const SLACK_API_URL = 'https://slack.com/api/';

/** The variables of the notification settings (merged into the worker's schema). */
export const notificationSettings = {
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_FROM: nonEmpty.optional(),
  SLACK_BOT_TOKEN: nonEmpty.optional(),
  SLACK_API_URL: z.url({ protocol: /^https?$/ }).default(SLACK_API_URL),
  NOTIFY_WEBHOOK_SECRETS: z.string().optional(),
};

/** Where notifications go, and with what; a channel without its settings fails with `MAIL_NOT_CONFIGURED` / `SLACK_NOT_CONFIGURED`. */
export interface NotificationConfig {
  /** `SMTP_URL` (`smtp://user:pass@host:587`, `smtps://…:465`; credentials are never logged) and `MAIL_FROM`. */
  mail?: { smtpUrl: string; from: string };
  /** `SLACK_BOT_TOKEN` (never logged) and `SLACK_API_URL` (Slack's, unless a stand-in). */
  slack?: { token: string; apiUrl: string };
  /** Standard Webhooks secrets' keys by sender name (`NOTIFY_WEBHOOK_SECRETS=name=whsec_…,…`). */
  webhookSecrets: ReadonlyMap<string, Uint8Array>;
}

interface NotificationEnv {
  SMTP_URL?: string;
  MAIL_FROM?: string;
  SLACK_BOT_TOKEN?: string;
  SLACK_API_URL?: string;
  NOTIFY_WEBHOOK_SECRETS?: string;
}

const SENDER = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The webhook secrets of `NOTIFY_WEBHOOK_SECRETS`: `name=whsec_<base64>` pairs, comma-separated.
 * @throws {@link ConfigError} naming the variable (never echoing a secret).
 */
export function notifyWebhookSecrets(value: string | undefined): Map<string, Uint8Array> {
  const secrets = new Map<string, Uint8Array>();
  for (const pair of (value ?? '').split(',').map((each) => each.trim()).filter(Boolean)) {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at);
    const secret = pair.slice(at + 1);
    if (at < 1 || !SENDER.test(name)) throw new ConfigError('NOTIFY_WEBHOOK_SECRETS must be a comma-separated list of <sender>=whsec_<base64 secret> (sender: 1 to 64 of A-Z a-z 0-9 . _ -).');
    const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : undefined;
    if (!key || key.byteLength < 24) throw new ConfigError(`NOTIFY_WEBHOOK_SECRETS: the secret for '${name}' must be whsec_ followed by at least 24 bytes in base64.`);
    secrets.set(name, new Uint8Array(key));
  }
  return secrets;
}

/** The notification settings from parsed variables, problems recorded in `problems`. */
export function notificationConfig(env: NotificationEnv, problems: ConfigProblems): NotificationConfig {
  if (env.SMTP_URL && !env.MAIL_FROM) problems.add('MAIL_FROM is not set: with SMTP_URL, set the address approval mails come from (e.g. "Approvals <approvals@example.com>").');
  if (env.MAIL_FROM && !env.SMTP_URL) problems.add('SMTP_URL is not set: with MAIL_FROM, set the SMTP server that sends approval mails (smtp://user:password@host:587).');
  const webhookSecrets = problems.check(() => notifyWebhookSecrets(env.NOTIFY_WEBHOOK_SECRETS)) ?? new Map();
  return {
    ...(env.SMTP_URL && env.MAIL_FROM ? { mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM } } : {}),
    ...(env.SLACK_BOT_TOKEN ? { slack: { token: env.SLACK_BOT_TOKEN, apiUrl: env.SLACK_API_URL ?? SLACK_API_URL } } : {}),
    webhookSecrets,
  };
}

/**
 * The worker's startup line about notifications, without a secret: the SMTP server's host and
 * port (no credentials), the sender, the Slack API URL, the webhook senders' names. Undefined when
 * no channel is configured.
 */
export function describeNotifications(config: NotificationConfig): string | undefined {
  const parts: string[] = [];
  if (config.mail) {
    let server = 'the SMTP server';
    try {
      const url = new URL(config.mail.smtpUrl);
      server = `${url.protocol}//${url.host}`;
    } catch {
      // Parsed at startup already; the line then names no server.
    }
    parts.push(`mail via ${server} from ${config.mail.from}`);
  }
  if (config.slack) parts.push(`Slack at ${config.slack.apiUrl}`);
  if (config.webhookSecrets.size > 0) parts.push(`signed webhooks for ${[...config.webhookSecrets.keys()].join(', ')}`);
  return parts.length ? parts.join('; ') : undefined;
}
