import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config/config-error';
import { apiKeysFile, defaulted, isProduction, load, nonEmpty, parseFields, port, type ConfigProblems, type Env } from '../config/load-config';
import { temporalConfig, temporalSchema, type TemporalConfig } from '../config/temporal-config';
import { TOKEN_DEFAULTS, tokenConfig, tokenSchema, type SigningSecretSource, type TokenConfig } from '../config/token-config';
import { loadWebhookSources, type WebhookSources } from './webhooks/webhook-sources';
import type { GatewayDeps, GatewayWebhooks } from './create-gateway';
import type { GatewayServerLimits } from './http-server';
import { NAME_PATTERN, NAME_RULE } from '../protocol/names';
import type { SlackApprovalSettings } from './routes/slack-approvals';
import { receiptPublishingConfig, receiptPublishingSettings, type PublishedKeysSource } from '../config/receipt-config';

const gatewaySchema = temporalSchema.extend(tokenSchema.shape).extend({
  GATEWAY_HOST: nonEmpty.default('127.0.0.1'),
  GATEWAY_PORT: port.default(8080),
  API_KEYS_FILE: nonEmpty.optional(),
  MAX_BODY_BYTES: z.coerce.number().int().min(1).max(2 * 1024 * 1024).default(256 * 1024),
  TEMPORAL_CALL_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  TEMPORAL_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  WEBHOOK_SECRETS: z.string().optional(),
  WEBHOOK_SOURCES_FILE: nonEmpty.optional(),
  WEBHOOK_HOLD_SECONDS: z.coerce.number().int().min(1).max(366 * 24 * 60 * 60).default(24 * 60 * 60),
  WEBHOOK_MAX_HELD_EVENTS: z.coerce.number().int().min(1).default(5_000),
  RATE_LIMIT_PER_IP: z.coerce.number().int().min(0).default(0),
  RATE_LIMIT_PER_KEY: z.coerce.number().int().min(0).default(600),
  GATEWAY_TRUST_PROXY: z.string().optional(),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(300_000).default(30_000),
  ...receiptPublishingSettings,
  OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  OIDC_CLIENT_ID: nonEmpty.optional(),
  OIDC_CLIENT_SECRET: nonEmpty.optional(),
  OIDC_GROUPS_CLAIM: nonEmpty.default('groups'),
  GATEWAY_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  SESSION_SECRET: nonEmpty.optional(),
  SLACK_SIGNING_SECRET: nonEmpty.optional(),
  SLACK_TEAM_IDS: z.string().optional(),
  SLACK_RESPONSE_URL_ALLOW: z.string().optional(),
});

/**
 * Sign-in with the organisation's OpenID Connect provider, for approvals that take signed-in
 * votes: where the provider is, how the gateway is registered with it, and what signs its
 * session cookies. Absent when `OIDC_ISSUER` is unset (then such approvals are refused, 503).
 */
export interface SignInConfig {
  /** `OIDC_ISSUER`: the provider's issuer URL (its discovery document is read from it). */
  issuer: string;
  /** `OIDC_CLIENT_ID`: the gateway's client id at the provider. */
  clientId: string;
  /** `OIDC_CLIENT_SECRET`: the gateway's client secret. Never logged. */
  clientSecret: string;
  /** `OIDC_GROUPS_CLAIM`: the ID token claim that lists a person's groups (default `groups`). */
  groupsClaim: string;
  /** `GATEWAY_PUBLIC_URL`, without a trailing slash: the base of the redirect URI `<base>/auth/oidc/callback`. */
  publicUrl: string;
  /** Where the session secret (`SESSION_SECRET`) comes from: the environment, or outside production a file generated once in the data folder. */
  sessionSecret: SigningSecretSource;
}

/**
 * What `createGateway` is built with from the environment: every option but the parts made at
 * startup (the Temporal client, the token verifier, the API key store, the logger). Signature
 * secrets stay as configured (`whsec_…`) until `startGateway` decodes them.
 */
export interface GatewayAppConfig extends Required<Pick<GatewayDeps, 'maxBodyBytes' | 'temporalCallTimeoutMs' | 'queryTimeoutMs' | 'rateLimits' | 'trustProxy'>> {
  /** Standard Webhooks secrets (`whsec_…`) of signed callbacks, by sender name (`WEBHOOK_SECRETS=name=whsec_…,…`). */
  signatureSecrets: Map<string, string>;
  /** Provider webhooks (`WEBHOOK_SOURCES_FILE`, `WEBHOOK_HOLD_SECONDS`, `WEBHOOK_MAX_HELD_EVENTS`); absent when no source is configured. */
  webhooks?: Required<Omit<GatewayWebhooks, 'taskQueue'>>;
  /** Sign-in for approvals (`OIDC_*`, `GATEWAY_PUBLIC_URL`, `SESSION_SECRET`); absent when `OIDC_ISSUER` is unset. */
  signIn?: SignInConfig;
  /** Approving from Slack (`SLACK_SIGNING_SECRET`, `SLACK_TEAM_IDS`, `SLACK_RESPONSE_URL_ALLOW`); absent when `SLACK_SIGNING_SECRET` is unset. */
  slack?: SlackApprovalSettings;
}

/**
 * Everything `durable-callbacks gateway` needs, shaped like what `startGateway` builds from it: a
 * Temporal client (`temporal`), the token verifier (`token`), the published receipt keys
 * (`receiptKeys`), the API key store (`apiKeysFile`),
 * the Express app (`app`), the HTTP server (`server`) and where it listens (`listen`).
 */
export interface GatewayConfig {
  temporal: TemporalConfig;
  token: TokenConfig;
  apiKeysFile: string;
  app: GatewayAppConfig;
  server: Required<Pick<GatewayServerLimits, 'requestTimeoutMs' | 'maxBodyBytes'>>;
  listen: { host: string; port: number };
  /** The settings that were unset and took their defaults (`GATEWAY_PORT`, ...); the startup line marks them. */
  defaultedSettings?: readonly string[];
  /** Where the public approval receipt keys served at `/.well-known/jwks.json` come from; none in production without `APPROVAL_RECEIPT_PUBLIC_KEYS_FILE`. */
  receiptKeys?: PublishedKeysSource;
}

/** Parses the gateway's configuration. @throws {@link ConfigError} naming each bad variable. */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  return load((problems) => gatewayConfig(env, parseFields(gatewaySchema, env, problems), problems));
}

function gatewayConfig(env: Env, parsed: z.infer<typeof gatewaySchema>, problems: ConfigProblems): GatewayConfig {
  const sources = problems.check(() => webhookSources(parsed.WEBHOOK_SOURCES_FILE, env)) ?? new Map();
  const receiptKeys = receiptPublishingConfig(parsed);
  const signIn = problems.check(() => signInConfig(parsed));
  const slack = problems.check(() => slackConfig(parsed));
  return {
    temporal: temporalConfig(env, parsed, problems),
    token: tokenConfig(parsed, problems),
    apiKeysFile: apiKeysFile(parsed),
    app: {
      maxBodyBytes: parsed.MAX_BODY_BYTES,
      temporalCallTimeoutMs: parsed.TEMPORAL_CALL_TIMEOUT_MS,
      queryTimeoutMs: parsed.TEMPORAL_QUERY_TIMEOUT_MS,
      rateLimits: { perIp: { perMinute: parsed.RATE_LIMIT_PER_IP }, perKey: { perMinute: parsed.RATE_LIMIT_PER_KEY } },
      trustProxy: trustProxy(parsed.GATEWAY_TRUST_PROXY),
      signatureSecrets: problems.check(() => signatureSecrets(parsed.WEBHOOK_SECRETS)) ?? new Map(),
      ...(sources.size > 0 ? { webhooks: { sources, holdMs: parsed.WEBHOOK_HOLD_SECONDS * 1000, maxHeldEvents: parsed.WEBHOOK_MAX_HELD_EVENTS } } : {}),
      ...(signIn ? { signIn } : {}),
      ...(slack ? { slack } : {}),
    },
    server: { requestTimeoutMs: parsed.REQUEST_TIMEOUT_MS, maxBodyBytes: parsed.MAX_BODY_BYTES },
    listen: { host: parsed.GATEWAY_HOST, port: parsed.GATEWAY_PORT },
    defaultedSettings: defaulted(env, ['GATEWAY_HOST', 'GATEWAY_PORT', ...TOKEN_DEFAULTS, ...(signIn ? SIGN_IN_DEFAULTS : [])]),
    ...(receiptKeys ? { receiptKeys } : {}),
  };
}

/** The sign-in settings left at their defaults, for the startup line. */
const SIGN_IN_DEFAULTS = ['OIDC_GROUPS_CLAIM', 'GATEWAY_PUBLIC_URL', 'SESSION_SECRET'];

/** Where a person's browser reaches a gateway listening on host:port, when `GATEWAY_PUBLIC_URL` does not say. */
function defaultPublicUrl(host: string, port: number): string {
  const local = ['0.0.0.0', '::', '127.0.0.1', 'localhost'].includes(host);
  return `http://${local ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${port}`;
}

function signInConfig(parsed: z.infer<typeof gatewaySchema>): SignInConfig | undefined {
  const issuer = parsed.OIDC_ISSUER;
  if (!issuer) return undefined;
  const production = isProduction(parsed);
  const missing = [
    ...(parsed.OIDC_CLIENT_ID ? [] : ['OIDC_CLIENT_ID (the client id the provider gave the gateway)']),
    ...(parsed.OIDC_CLIENT_SECRET ? [] : ['OIDC_CLIENT_SECRET (its client secret)']),
    ...(parsed.SESSION_SECRET || !production ? [] : ['SESSION_SECRET (at least 32 random bytes, base64 or hex: `openssl rand -base64 32`)']),
    ...(parsed.GATEWAY_PUBLIC_URL || !production ? [] : ['GATEWAY_PUBLIC_URL (the URL people reach the gateway at, e.g. https://callbacks.example.com)']),
  ];
  if (missing.length > 0) throw new ConfigError(`OIDC_ISSUER is set, so sign-in needs: ${missing.join('; ')}.`);
  if (production && !issuer.startsWith('https:')) throw new ConfigError('OIDC_ISSUER must be an https URL in production.');
  const publicUrl = (parsed.GATEWAY_PUBLIC_URL ?? defaultPublicUrl(parsed.GATEWAY_HOST, parsed.GATEWAY_PORT)).replace(/\/+$/, '');
  return {
    issuer,
    clientId: parsed.OIDC_CLIENT_ID!,
    clientSecret: parsed.OIDC_CLIENT_SECRET!,
    groupsClaim: parsed.OIDC_GROUPS_CLAIM,
    publicUrl,
    sessionSecret: parsed.SESSION_SECRET
      ? { kind: 'env', value: parsed.SESSION_SECRET }
      : { kind: 'dev-file', path: path.resolve(parsed.DURABLE_CALLBACKS_DATA_DIR, 'dev-session-secret') },
  };
}

/** A Slack workspace (team) id, as Slack writes it: `T…` (or `E…` for an Enterprise Grid organisation). */
const SLACK_TEAM_ID = /^[TE][A-Z0-9]{2,30}$/;

const commaList = (value: string | undefined) => (value ?? '').split(',').map((part) => part.trim()).filter(Boolean);

/** Approving from Slack: the signing secrets (comma-separated while one is rotated), the workspaces, and outside production any stand-in response origins. */
function slackConfig(parsed: z.infer<typeof gatewaySchema>): SlackApprovalSettings | undefined {
  const secrets = commaList(parsed.SLACK_SIGNING_SECRET);
  const teamIds = commaList(parsed.SLACK_TEAM_IDS);
  const origins = commaList(parsed.SLACK_RESPONSE_URL_ALLOW);
  if (secrets.length === 0) {
    if (teamIds.length > 0 || origins.length > 0) throw new ConfigError('SLACK_TEAM_IDS and SLACK_RESPONSE_URL_ALLOW take effect only with SLACK_SIGNING_SECRET (the Slack app\'s signing secret).');
    return undefined;
  }
  if (teamIds.length === 0) {
    throw new ConfigError('SLACK_SIGNING_SECRET is set, so SLACK_TEAM_IDS must name the workspaces whose clicks count (comma-separated team ids, T…): a click from any other workspace is refused.');
  }
  const bad = teamIds.filter((id) => !SLACK_TEAM_ID.test(id));
  if (bad.length > 0) throw new ConfigError(`SLACK_TEAM_IDS must be Slack team ids (T…, or E… for an Enterprise Grid); not: ${bad.join(', ')}.`);
  if (origins.length > 0 && isProduction(parsed)) throw new ConfigError('SLACK_RESPONSE_URL_ALLOW is for a local stand-in Slack, never in production: Slack\'s response_url is always on https://hooks.slack.com.');
  const responseUrlOrigins = origins.map((origin) => {
    let parsedOrigin: string;
    try {
      parsedOrigin = new URL(origin).origin;
    } catch {
      throw new ConfigError(`SLACK_RESPONSE_URL_ALLOW must be comma-separated origins (http://127.0.0.1:5555); not: ${origin}.`);
    }
    return parsedOrigin;
  });
  return {
    signingSecrets: secrets.map((secret) => new Uint8Array(Buffer.from(secret, 'utf8'))),
    teamIds,
    ...(responseUrlOrigins.length > 0 ? { responseUrlOrigins } : {}),
  };
}

function webhookSources(file: string | undefined, env: Env): WebhookSources {
  if (!file) return new Map();
  try {
    return loadWebhookSources(path.resolve(file), env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function signatureSecrets(value: string | undefined): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const entry of (value ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
    const separator = entry.indexOf('=');
    const name = entry.slice(0, separator);
    const secret = entry.slice(separator + 1);
    if (separator <= 0 || !NAME_PATTERN.test(name) || !secret.startsWith('whsec_')) {
      throw new ConfigError(`WEBHOOK_SECRETS must be a comma-separated list of <sender>=whsec_<base64 secret> (sender: ${NAME_RULE}).`);
    }
    secrets.set(name, secret);
  }
  return secrets;
}

function trustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}

