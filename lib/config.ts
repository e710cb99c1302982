import path from 'node:path';
import { z } from 'zod';

/**
 * Configuration, parsed once at startup from the environment. Each process calls the loader it
 * needs ({@link loadWorkerConfig}, {@link loadGatewayConfig}, ...) and passes the typed result
 * down; nothing else reads `process.env`.
 */

/** Raised when the environment holds a missing or malformed setting; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'INVALID_CONFIG';
}

/** The environment shape the loaders read; `process.env` by default. */
export type Env = Record<string, string | undefined>;

const port = z.coerce.number().int().min(0).max(65535);
const nonEmpty = z.string().trim().min(1);

const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const temporalSchema = z.object({
  TEMPORAL_ADDRESS: nonEmpty.default('localhost:7233'),
  TEMPORAL_NAMESPACE: nonEmpty.default('default'),
  TEMPORAL_TASK_QUEUE: nonEmpty.default('callbacks'),
  TEMPORAL_API_KEY: nonEmpty.optional(),
  TEMPORAL_TLS: flag.optional(),
  TEMPORAL_TLS_CERT: nonEmpty.optional(),
  TEMPORAL_TLS_KEY: nonEmpty.optional(),
  TEMPORAL_TLS_CA: nonEmpty.optional(),
  TEMPORAL_TLS_SERVER_NAME: nonEmpty.optional(),
  PAYLOAD_CODEC_KEYS: z.string().optional(),
  PAYLOAD_CODEC_ACTIVE_KEY: nonEmpty.optional(),
});

const commonSchema = z.object({
  NODE_ENV: z.string().optional(),
  DURABLE_CALLBACKS_DATA_DIR: nonEmpty.default('.data'),
  CALLBACK_SIGNING_SECRET: z.string().optional(),
  CALLBACK_KEY_RING_FILE: nonEmpty.optional(),
  CALLBACK_TOKEN_ISSUER: nonEmpty.default('durable-callbacks'),
  CALLBACK_TOKEN_AUDIENCE: nonEmpty.default('durable-callbacks-gateway'),
  GATEWAY_PORT: port.default(8080),
});

const workerSchema = temporalSchema.extend(commonSchema.shape).extend({
  CALLBACK_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  CALLBACK_API_KEY: z.string().optional(),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  TICKETING_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:8090'),
});

const gatewaySchema = temporalSchema.extend(commonSchema.shape).extend({
  GATEWAY_HOST: nonEmpty.default('127.0.0.1'),
  API_KEYS_FILE: nonEmpty.optional(),
  MAX_BODY_BYTES: z.coerce.number().int().min(1).max(2 * 1024 * 1024).default(256 * 1024),
  TEMPORAL_CALL_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  WEBHOOK_SECRETS: z.string().optional(),
  RATE_LIMIT_PER_IP: z.coerce.number().int().min(0).default(0),
  RATE_LIMIT_PER_KEY: z.coerce.number().int().min(0).default(600),
  GATEWAY_TRUST_PROXY: z.string().optional(),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(300_000).default(30_000),
});

const keysSchema = commonSchema.pick({ DURABLE_CALLBACKS_DATA_DIR: true, CALLBACK_KEY_RING_FILE: true }).extend({
  API_KEYS_FILE: nonEmpty.optional(),
});

const devServerSchema = z.object({
  TEMPORAL_UI_PORT: port.default(8233),
});

/** TLS settings for Temporal: files are read when connecting, not at parse time. */
export interface TemporalTlsConfig {
  /** Client certificate and key (PEM files) for mTLS, e.g. Temporal Cloud with certificates. */
  clientCertPath?: string;
  clientKeyPath?: string;
  /** CA certificate (PEM file) for a server whose certificate the system does not trust. */
  caPath?: string;
  /** Overrides the name checked against the server's certificate. */
  serverName?: string;
}

/** Payload encryption keys (base64url, 32 bytes each) by key id, and the one new payloads use. */
export interface PayloadCodecConfig {
  keys: Map<string, string>;
  activeKid: string;
}

/** How to reach Temporal: a dev server, a self-hosted cluster or Temporal Cloud. */
export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  /** TLS, when enabled (`TEMPORAL_TLS=true`, or any `TEMPORAL_TLS_*` file, or an API key). */
  tls?: TemporalTlsConfig;
  /** API key for Temporal Cloud (or any server that takes one); implies TLS. */
  apiKey?: string;
  /** When set, every payload is encrypted before it reaches Temporal (`PAYLOAD_CODEC_KEYS`). */
  codec?: PayloadCodecConfig;
}

/**
 * Where the token signing secret comes from: the environment, or (outside production only) a
 * random secret generated once and kept in the data folder so the worker and gateway agree.
 */
export type SigningSecretSource =
  | { kind: 'env'; value: string }
  | { kind: 'dev-file'; path: string };

/** Where the token keys come from: a single secret (as above) or a key ring file. */
export type KeySource = SigningSecretSource | { kind: 'ring-file'; path: string };

/** Token settings shared by the minting worker and the verifying gateway. */
export interface TokenConfig {
  keys: KeySource;
  issuer: string;
  audience: string;
}

/** Everything `npm run worker` needs. */
export interface WorkerConfig {
  temporal: TemporalConfig;
  token: TokenConfig;
  /** Prefix of every callback URL, e.g. `https://callbacks.example.com`. */
  callbackBaseUrl: string;
  /** The API key appended to URLs minted with `includeApiKey`, if configured. */
  callbackApiKey?: string;
  /** Base URL of the ticketing system the `ticketTriage` example talks to. */
  ticketingUrl: string;
  /** Workflows kept in the worker's cache; the SDK's default when unset. */
  maxCachedWorkflows?: number;
}

/** Everything `npm run gateway` needs. */
export interface GatewayConfig {
  temporal: TemporalConfig;
  token: TokenConfig;
  host: string;
  port: number;
  apiKeysFile: string;
  maxBodyBytes: number;
  temporalCallTimeoutMs: number;
  /** Standard Webhooks secrets (`whsec_…`) by sender name, from `WEBHOOK_SECRETS=name=whsec_…,…`. */
  webhookSecrets: Map<string, string>;
  /** Requests per minute per client IP (0 = off) and per API key. */
  rateLimitPerIp: number;
  rateLimitPerKey: number;
  /** Express `trust proxy`: `true`, a hop count, or a list of proxy addresses. */
  trustProxy: boolean | number | string;
  requestTimeoutMs: number;
}

/** Everything the `keys` command needs. */
export interface KeysConfig {
  apiKeysFile: string;
  /** The token key ring `signing-keys` edits: `CALLBACK_KEY_RING_FILE`, else `<data dir>/key-ring.json`. */
  keyRingFile: string;
}

/** What `npm start` and `npm run demo` need to know about the local Temporal dev server (`temporal-dev.sh`). */
export interface DevServerConfig {
  /** Port of the dev server's Web UI; `temporal-dev.sh` reads the same `TEMPORAL_UI_PORT`. */
  uiPort: number;
}

function parse<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration; fix these environment variables:\n${problems.join('\n')}`);
}

function isProduction(env: { NODE_ENV?: string }): boolean {
  return env.NODE_ENV === 'production';
}

function keySource(env: z.infer<typeof commonSchema>): KeySource {
  const secret = env.CALLBACK_SIGNING_SECRET?.trim();
  if (secret && env.CALLBACK_KEY_RING_FILE) {
    throw new ConfigError('Both CALLBACK_SIGNING_SECRET and CALLBACK_KEY_RING_FILE are set; set one: a single shared secret, or a key ring file.');
  }
  if (env.CALLBACK_KEY_RING_FILE) return { kind: 'ring-file', path: path.resolve(env.CALLBACK_KEY_RING_FILE) };
  if (secret) return { kind: 'env', value: secret };
  if (isProduction(env)) {
    throw new ConfigError(
      'CALLBACK_SIGNING_SECRET is not set. In production the worker and the gateway need the token keys: either set CALLBACK_SIGNING_SECRET ' +
        'in both to one secret of at least 32 bytes (make one with `openssl rand -base64 32`), or set CALLBACK_KEY_RING_FILE to a key ring ' +
        '(`npm run keys -- signing-keys add`).',
    );
  }
  return { kind: 'dev-file', path: path.resolve(env.DURABLE_CALLBACKS_DATA_DIR, 'dev-signing-secret') };
}

function tokenConfig(env: z.infer<typeof commonSchema>): TokenConfig {
  return { keys: keySource(env), issuer: env.CALLBACK_TOKEN_ISSUER, audience: env.CALLBACK_TOKEN_AUDIENCE };
}

function temporalConfig(env: z.infer<typeof temporalSchema>): TemporalConfig {
  if (Boolean(env.TEMPORAL_TLS_CERT) !== Boolean(env.TEMPORAL_TLS_KEY)) {
    throw new ConfigError('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together: set both (client certificate and its key, PEM files) or neither.');
  }
  const tlsFiles = {
    ...(env.TEMPORAL_TLS_CERT ? { clientCertPath: path.resolve(env.TEMPORAL_TLS_CERT) } : {}),
    ...(env.TEMPORAL_TLS_KEY ? { clientKeyPath: path.resolve(env.TEMPORAL_TLS_KEY) } : {}),
    ...(env.TEMPORAL_TLS_CA ? { caPath: path.resolve(env.TEMPORAL_TLS_CA) } : {}),
    ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverName: env.TEMPORAL_TLS_SERVER_NAME } : {}),
  };
  const tlsWanted = env.TEMPORAL_TLS ?? (Object.keys(tlsFiles).length > 0 || env.TEMPORAL_API_KEY !== undefined);
  if (env.TEMPORAL_TLS === false && env.TEMPORAL_API_KEY) {
    throw new ConfigError('TEMPORAL_API_KEY is sent only over TLS: remove TEMPORAL_TLS=false (or unset TEMPORAL_API_KEY).');
  }
  const codec = payloadCodecConfig(env.PAYLOAD_CODEC_KEYS, env.PAYLOAD_CODEC_ACTIVE_KEY);
  return {
    address: env.TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    ...(tlsWanted ? { tls: tlsFiles } : {}),
    ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}),
    ...(codec ? { codec } : {}),
  };
}

function payloadCodecConfig(keys: string | undefined, active: string | undefined): PayloadCodecConfig | undefined {
  if (!keys?.trim()) {
    if (active) throw new ConfigError('PAYLOAD_CODEC_ACTIVE_KEY is set but PAYLOAD_CODEC_KEYS is not.');
    return undefined;
  }
  const parsed = new Map<string, string>();
  for (const entry of keys.split(',').map((part) => part.trim()).filter(Boolean)) {
    const separator = entry.indexOf('=');
    const kid = entry.slice(0, separator);
    if (separator <= 0 || !/^[A-Za-z0-9._-]{1,64}$/.test(kid) || !/^[A-Za-z0-9_-]{43}$/.test(entry.slice(separator + 1))) {
      throw new ConfigError('PAYLOAD_CODEC_KEYS must be a comma-separated list of <key id>=<32 bytes in base64url, 43 characters>.');
    }
    parsed.set(kid, entry.slice(separator + 1));
  }
  const activeKid = active ?? [...parsed.keys()][0]!;
  if (!parsed.has(activeKid)) throw new ConfigError(`PAYLOAD_CODEC_ACTIVE_KEY '${activeKid}' is not one of the keys in PAYLOAD_CODEC_KEYS.`);
  return { keys: parsed, activeKid };
}

function apiKeysFile(env: { API_KEYS_FILE?: string; DURABLE_CALLBACKS_DATA_DIR: string }): string {
  return path.resolve(env.API_KEYS_FILE ?? path.join(env.DURABLE_CALLBACKS_DATA_DIR, 'api-keys.json'));
}

/** Parses the worker's configuration. @throws {@link ConfigError} naming each bad variable. */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const parsed = parse(workerSchema, env);
  const baseUrl = parsed.CALLBACK_BASE_URL ?? `http://localhost:${parsed.GATEWAY_PORT}`;
  if (isProduction(parsed) && !parsed.CALLBACK_BASE_URL) {
    throw new ConfigError(
      'CALLBACK_BASE_URL is not set. In production set it to the public URL of the callback gateway (e.g. https://callbacks.example.com), the prefix of every minted callback URL.',
    );
  }
  return {
    temporal: temporalConfig(parsed),
    token: tokenConfig(parsed),
    callbackBaseUrl: baseUrl,
    callbackApiKey: parsed.CALLBACK_API_KEY?.trim() || undefined,
    ticketingUrl: parsed.TICKETING_URL,
    ...(parsed.WORKER_MAX_CACHED_WORKFLOWS === undefined ? {} : { maxCachedWorkflows: parsed.WORKER_MAX_CACHED_WORKFLOWS }),
  };
}

/** Parses the gateway's configuration. @throws {@link ConfigError} naming each bad variable. */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const parsed = parse(gatewaySchema, env);
  return {
    temporal: temporalConfig(parsed),
    token: tokenConfig(parsed),
    host: parsed.GATEWAY_HOST,
    port: parsed.GATEWAY_PORT,
    apiKeysFile: apiKeysFile(parsed),
    maxBodyBytes: parsed.MAX_BODY_BYTES,
    temporalCallTimeoutMs: parsed.TEMPORAL_CALL_TIMEOUT_MS,
    webhookSecrets: webhookSecrets(parsed.WEBHOOK_SECRETS),
    rateLimitPerIp: parsed.RATE_LIMIT_PER_IP,
    rateLimitPerKey: parsed.RATE_LIMIT_PER_KEY,
    trustProxy: trustProxy(parsed.GATEWAY_TRUST_PROXY),
    requestTimeoutMs: parsed.REQUEST_TIMEOUT_MS,
  };
}

function webhookSecrets(value: string | undefined): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const entry of (value ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
    const separator = entry.indexOf('=');
    const name = entry.slice(0, separator);
    const secret = entry.slice(separator + 1);
    if (separator <= 0 || !/^[A-Za-z0-9._-]{1,64}$/.test(name) || !secret.startsWith('whsec_')) {
      throw new ConfigError('WEBHOOK_SECRETS must be a comma-separated list of <sender>=whsec_<base64 secret> (sender: 1 to 64 of A-Z a-z 0-9 . _ -).');
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

const codecServerSchema = temporalSchema.extend({
  CODEC_SERVER_HOST: nonEmpty.default('127.0.0.1'),
  CODEC_SERVER_PORT: port.default(8888),
  CODEC_CORS_ORIGIN: nonEmpty.default('http://localhost:8233'),
  CODEC_AUTH_TOKEN: nonEmpty.optional(),
});

/** Everything `npm run codec-server` needs. */
export interface CodecServerConfig {
  codec: PayloadCodecConfig;
  host: string;
  port: number;
  allowedOrigin: string;
  authToken?: string;
}

/** Parses the codec server's configuration; it needs `PAYLOAD_CODEC_KEYS`. @throws {@link ConfigError}. */
export function loadCodecServerConfig(env: Env = process.env): CodecServerConfig {
  const parsed = parse(codecServerSchema, env);
  const { codec } = temporalConfig(parsed);
  if (!codec) throw new ConfigError('PAYLOAD_CODEC_KEYS is not set: the codec server decrypts with the same keys as the worker and the gateway.');
  return {
    codec,
    host: parsed.CODEC_SERVER_HOST,
    port: parsed.CODEC_SERVER_PORT,
    allowedOrigin: parsed.CODEC_CORS_ORIGIN,
    ...(parsed.CODEC_AUTH_TOKEN ? { authToken: parsed.CODEC_AUTH_TOKEN } : {}),
  };
}

/** Parses the `keys` command's configuration. @throws {@link ConfigError} naming each bad variable. */
export function loadKeysConfig(env: Env = process.env): KeysConfig {
  const parsed = parse(keysSchema, env);
  return {
    apiKeysFile: apiKeysFile(parsed),
    keyRingFile: path.resolve(parsed.CALLBACK_KEY_RING_FILE ?? path.join(parsed.DURABLE_CALLBACKS_DATA_DIR, 'key-ring.json')),
  };
}

/** Parses only the Temporal connection settings, for clients such as the demo. */
export function loadTemporalConfig(env: Env = process.env): TemporalConfig {
  return temporalConfig(parse(temporalSchema, env));
}

/** Parses the local dev server's settings (`TEMPORAL_UI_PORT`). @throws {@link ConfigError} naming each bad variable. */
export function loadDevServerConfig(env: Env = process.env): DevServerConfig {
  return { uiPort: parse(devServerSchema, env).TEMPORAL_UI_PORT };
}
