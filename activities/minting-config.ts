import { z } from 'zod';
import { defaulted, isProduction, load, nonEmpty, parseFields, port, type ConfigProblems, type Env } from '../config/load-config';
import { payloadCodecConfig, type PayloadCodecConfig } from '../config/payload-codec-config';
import { TOKEN_DEFAULTS, tokenConfig, tokenSchema, type TokenConfig } from '../config/token-config';
import { receiptSigningConfig, receiptSigningSettings, type ReceiptSigningConfig } from '../config/receipt-config';
import { notificationConfig, notificationSettings, type NotificationConfig } from '../config/notification-config';

/** The variables minting reads: the token settings, the gateway's public URL, the API key for `includeApiKey`, the payload keys, the approval receipt key. */
export const mintingSchema = tokenSchema.extend({
  GATEWAY_PORT: port.default(8080),
  CALLBACK_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  CALLBACK_API_KEY: z.string().optional(),
  PAYLOAD_CODEC_KEYS: z.string().optional(),
  PAYLOAD_CODEC_ACTIVE_KEY: nonEmpty.optional(),
  ...receiptSigningSettings,
  ...notificationSettings,
});

/** What a worker needs to mint callback URLs, whoever makes its connection (the `durableCallbacks` plugin). */
export interface MintingConfig {
  token: TokenConfig;
  /** Prefix of every callback URL, e.g. `https://callbacks.example.com`. */
  callbackBaseUrl: string;
  /** The API key appended to URLs minted with `includeApiKey`, if configured. */
  callbackApiKey?: string;
  /** Payload encryption keys (`PAYLOAD_CODEC_KEYS`), when set. */
  codec?: PayloadCodecConfig;
  /** The settings that were unset and took their defaults (`CALLBACK_BASE_URL`, ...); the startup line marks them. */
  defaultedSettings?: readonly string[];
  /** What approval receipts are signed with (`APPROVAL_RECEIPT_KEY_FILE`, `APPROVAL_RECEIPT_ISSUER`); absent only when built by hand. */
  receipts?: ReceiptSigningConfig;
  /** Where notifications go (`SMTP_URL`, `MAIL_FROM`, `SLACK_BOT_TOKEN`, `SLACK_API_URL`, `NOTIFY_WEBHOOK_SECRETS`); absent only when built by hand. */
  notifications?: NotificationConfig;
}

/** Minting's settings from parsed variables, problems recorded in `problems` (the worker's loader reads more). */
export function mintingConfig(env: Env, parsed: z.infer<typeof mintingSchema>, problems: ConfigProblems): MintingConfig {
  if (isProduction(parsed) && !parsed.CALLBACK_BASE_URL && env.CALLBACK_BASE_URL === undefined) {
    problems.add(
      'CALLBACK_BASE_URL is not set. In production set it to the public URL of the callback gateway (e.g. https://callbacks.example.com), the prefix of every minted callback URL.',
    );
  }
  const callbackApiKey = parsed.CALLBACK_API_KEY?.trim();
  const codec = problems.check(() => payloadCodecConfig(parsed.PAYLOAD_CODEC_KEYS, parsed.PAYLOAD_CODEC_ACTIVE_KEY));
  const token = tokenConfig(parsed, problems);
  const receipts = problems.check(() => receiptSigningConfig(env, parsed));
  const notifications = notificationConfig(parsed, problems);
  return {
    token,
    callbackBaseUrl: parsed.CALLBACK_BASE_URL ?? `http://localhost:${parsed.GATEWAY_PORT}`,
    ...(callbackApiKey ? { callbackApiKey } : {}),
    ...(codec ? { codec } : {}),
    defaultedSettings: defaulted(env, ['CALLBACK_BASE_URL', ...TOKEN_DEFAULTS]),
    ...(receipts ? { receipts } : {}),
    notifications,
  };
}

/**
 * Parses what minting needs (token keys, `CALLBACK_BASE_URL`, `CALLBACK_API_KEY`,
 * `PAYLOAD_CODEC_KEYS`, `APPROVAL_RECEIPT_KEY_FILE`) and nothing of the connection, which the caller's own worker makes.
 * @throws {@link ConfigError} naming each bad variable.
 */
export function loadMintingConfig(env: Env = process.env): MintingConfig {
  return load((problems) => mintingConfig(env, parseFields(mintingSchema, env, problems), problems));
}

