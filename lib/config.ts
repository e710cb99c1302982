import path from 'node:path';
import type { TLSConfig } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { z } from 'zod';
import { ConfigError } from './config-error';
import type { KeySource } from './key-ring';
import { loadWebhookSources, type WebhookSources } from './webhook-sources';

/**
 * Configuration, parsed once at startup from the environment. Each process calls the loader it
 * needs ({@link loadWorkerConfig}, {@link loadGatewayConfig}, ...) and passes the typed result
 * down; nothing else reads `process.env`.
 */

export { ConfigError } from './config-error';
export type { SigningSecretSource } from './signing-secret';
export type { KeySource } from './key-ring';

/** The environment shape the loaders read; `process.env` by default. */
export type Env = Record<string, string | undefined>;

const port = z.coerce.number().int().min(0).max(65535);
const nonEmpty = z.string().trim().min(1);

const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

// Where and how to connect to Temporal is Temporal's own environment configuration
// (@temporalio/envconfig: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*,
// TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE), read in temporalConfig(); this schema keeps only what is ours.
const temporalSchema = z.object({
  TEMPORAL_TASK_QUEUE: nonEmpty.default('callbacks'),
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

const mintingSchema = commonSchema.extend({
  CALLBACK_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  CALLBACK_API_KEY: z.string().optional(),
  PAYLOAD_CODEC_KEYS: z.string().optional(),
  PAYLOAD_CODEC_ACTIVE_KEY: nonEmpty.optional(),
});

const workerSchema = temporalSchema.extend(mintingSchema.shape).extend({
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
});

const gatewaySchema = temporalSchema.extend(commonSchema.shape).extend({
  GATEWAY_HOST: nonEmpty.default('127.0.0.1'),
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
});

const keysSchema = commonSchema.pick({ DURABLE_CALLBACKS_DATA_DIR: true, CALLBACK_KEY_RING_FILE: true }).extend({
  API_KEYS_FILE: nonEmpty.optional(),
});

const devServerSchema = z.object({
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_DATA_DIR: nonEmpty.optional(),
  DURABLE_CALLBACKS_DATA_DIR: commonSchema.shape.DURABLE_CALLBACKS_DATA_DIR,
});

/**
 * How to connect to Temporal, as Temporal's environment configuration gives it: the same
 * `TEMPORAL_*` variables and profile file (`TEMPORAL_PROFILE`, `TEMPORAL_CONFIG_FILE`) that drive
 * the `temporal` CLI. Fits both the client's `Connection` and the worker's `NativeConnection`.
 */
export interface TemporalConnectionSettings {
  address: string;
  /** TLS settings (certificate data already read from files), or true for the system's trust store. */
  tls?: TLSConfig | boolean;
  /** API key for Temporal Cloud or any server that takes one. */
  apiKey?: string;
  /** gRPC metadata sent with every call (`TEMPORAL_GRPC_META_*`). */
  metadata?: Record<string, string>;
}

/** Payload encryption keys (base64url, 32 bytes each) by key id, and the one new payloads use. */
export interface PayloadCodecConfig {
  keys: Map<string, string>;
  activeKid: string;
}

/** How to reach Temporal (a dev server, a self-hosted cluster or Temporal Cloud), and this project's settings on top. */
export interface TemporalConfig {
  connection: TemporalConnectionSettings;
  namespace: string;
  /** The task queue the worker polls and `awaitCallback` clients start on (`TEMPORAL_TASK_QUEUE`). */
  taskQueue: string;
  /** When set, every payload is encrypted before it reaches Temporal (`PAYLOAD_CODEC_KEYS`). */
  codec?: PayloadCodecConfig;
}

/** Token settings shared by the minting worker and the verifying gateway. */
export interface TokenConfig {
  keys: KeySource;
  issuer: string;
  audience: string;
}

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
}

/** Everything `durable-callbacks worker` needs: minting plus the connection it makes itself. */
export interface WorkerConfig extends MintingConfig {
  temporal: TemporalConfig;
  /** Workflows kept in the worker's cache; the SDK's default when unset. */
  maxCachedWorkflows?: number;
}

/** Everything `durable-callbacks gateway` needs. */
export interface GatewayConfig {
  temporal: TemporalConfig;
  token: TokenConfig;
  host: string;
  port: number;
  apiKeysFile: string;
  maxBodyBytes: number;
  temporalCallTimeoutMs: number;
  /** Bound on queries only a worker answers (`TEMPORAL_QUERY_TIMEOUT_MS`): the status URL's, and receipts'. */
  queryTimeoutMs: number;
  /** Standard Webhooks secrets (`whsec_…`) by sender name, from `WEBHOOK_SECRETS=name=whsec_…,…`. */
  webhookSecrets: Map<string, string>;
  /** Provider webhook sources by name (`WEBHOOK_SOURCES_FILE`), served at `POST /webhooks/:source`; empty when unset. */
  webhookSources: WebhookSources;
  /** How long an event is held for waits that begin later (`WEBHOOK_HOLD_SECONDS`, default 24 h), ms. */
  webhookHoldMs: number;
  /** The most events one webhook source holds at once (`WEBHOOK_MAX_HELD_EVENTS`, default 5,000). */
  webhookMaxHeldEvents: number;
  /** Requests per minute per client IP (0 = off) and per API key. */
  rateLimitPerIp: number;
  rateLimitPerKey: number;
  /** Express `trust proxy`: `true`, a hop count, or a list of proxy addresses. */
  trustProxy: boolean | number | string;
  requestTimeoutMs: number;
  /** The settings that were unset and took their defaults (`GATEWAY_PORT`, ...); the startup line marks them. */
  defaultedSettings?: readonly string[];
}

/** Everything the `keys` command needs. */
export interface KeysConfig {
  apiKeysFile: string;
  /** The token key ring `signing-keys` edits: `CALLBACK_KEY_RING_FILE`, else `<data dir>/key-ring.json`. */
  keyRingFile: string;
}

/** What a local Temporal dev server (`temporal-dev.sh`) is known by. */
export interface DevServerConfig {
  /** Port of the dev server's Web UI; `temporal-dev.sh` reads the same `TEMPORAL_UI_PORT`. */
  uiPort: number;
  /**
   * Absolute folder for the dev server's SQLite file, log and pid file, as `durable-callbacks dev-server`
   * passes it to `temporal-dev.sh`: `TEMPORAL_DATA_DIR`, else `<DURABLE_CALLBACKS_DATA_DIR>/temporal`
   * (`.data/temporal`), both relative to the working directory. Never the package's own folder,
   * which is inside `node_modules/` once installed.
   */
  dataDir: string;
}

/**
 * What a loader found wrong, collected so one {@link ConfigError} lists every problem at once
 * (one line each, each naming the variable to set) instead of one per run.
 */
class ConfigProblems {
  private readonly lines: string[] = [];

  add(line: string): void {
    for (const part of line.split('\n')) {
      const problem = part.trim().replace(/^- /, '');
      // A loader that checks one variable for two parts of its result records it once.
      if (problem && !problem.startsWith('Invalid configuration;') && !this.lines.includes(problem)) this.lines.push(problem);
    }
  }

  /**
   * Runs one check and records its {@link ConfigError} instead of throwing it. Another error after
   * a recorded problem is a consequence of it (a value that did not parse is missing) and is dropped.
   */
  check<T>(run: () => T): T | undefined {
    try {
      return run();
    } catch (err) {
      if (err instanceof ConfigError) this.add(err.message);
      else if (this.lines.length === 0) throw err;
      return undefined;
    }
  }

  /** Throws one {@link ConfigError} listing every recorded problem, if there is any. */
  throwIfAny(): void {
    if (this.lines.length === 0) return;
    throw new ConfigError(`Invalid configuration; fix these environment variables:\n${this.lines.map((line) => `  - ${line}`).join('\n')}`);
  }
}

/**
 * Parses each variable of `schema` on its own, so every malformed one is recorded (a variable
 * that fails is left out of the result; the loader throws before returning it).
 */
function parseFields<S extends z.ZodObject>(schema: S, env: Env, problems: ConfigProblems): z.infer<S> {
  const data: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema.shape)) {
    const result = (field as z.ZodType).safeParse(env[name]);
    if (result.success) data[name] = result.data;
    else for (const issue of result.error.issues) problems.add(`${[name, ...issue.path].join('.')}: ${issue.message}`);
  }
  return data as z.infer<S>;
}

/** A loader run with a {@link ConfigProblems}: its result, or one {@link ConfigError} listing every problem. */
function load<T>(run: (problems: ConfigProblems) => T): T {
  const problems = new ConfigProblems();
  const result = problems.check(() => run(problems));
  problems.throwIfAny();
  return result as T;
}

function parse<S extends z.ZodObject>(schema: S, env: Env): z.infer<S> {
  return load((problems) => parseFields(schema, env, problems));
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
        '(`durable-callbacks keys signing-keys add`).',
    );
  }
  return { kind: 'dev-file', path: path.resolve(env.DURABLE_CALLBACKS_DATA_DIR, 'dev-signing-secret') };
}

function tokenConfig(env: z.infer<typeof commonSchema>, problems: ConfigProblems): TokenConfig {
  const keys = problems.check(() => keySource(env));
  return { keys: keys!, issuer: env.CALLBACK_TOKEN_ISSUER, audience: env.CALLBACK_TOKEN_AUDIENCE };
}

/** This project's names for Temporal settings before it read Temporal's own; each now has Temporal's name. */
const RENAMED_TEMPORAL_VARIABLES: Record<string, string> = {
  TEMPORAL_TLS_CERT: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CA: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
};

const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/**
 * The connection settings from Temporal's environment configuration: the `TEMPORAL_PROFILE`
 * profile of the TOML file (`TEMPORAL_CONFIG_FILE`, else Temporal's default path) with the
 * `TEMPORAL_*` variables on top, exactly as the `temporal` CLI reads them.
 */
function temporalConnection(env: Env): { connection: TemporalConnectionSettings; namespace: string } {
  const renamed = Object.keys(RENAMED_TEMPORAL_VARIABLES).filter((name) => env[name] !== undefined);
  if (renamed.length > 0) {
    throw new ConfigError(
      `Temporal's own variable names are used for its connection settings: rename ${renamed.map((name) => `${name} to ${RENAMED_TEMPORAL_VARIABLES[name]}`).join(', ')}.`,
    );
  }
  const definedEnv = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: definedEnv });
  } catch (err) {
    throw new ConfigError(`Cannot read Temporal's connection settings (TEMPORAL_* variables, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE): ${(err as Error).message}`);
  }
  const { address, tls, apiKey, metadata } = loaded.connectionOptions;
  if (tls === false && apiKey) {
    throw new ConfigError('TEMPORAL_API_KEY is sent only over TLS: remove TEMPORAL_TLS=false (or unset TEMPORAL_API_KEY).');
  }
  return {
    connection: {
      address: address ?? DEFAULT_TEMPORAL_ADDRESS,
      ...(tls === undefined || tls === null ? {} : { tls }),
      ...(apiKey && typeof apiKey === 'string' ? { apiKey } : {}),
      ...(metadata && Object.keys(metadata).length > 0 ? { metadata: metadata as Record<string, string> } : {}),
    },
    namespace: loaded.namespace ?? DEFAULT_TEMPORAL_NAMESPACE,
  };
}

function temporalConfig(env: Env, parsed: z.infer<typeof temporalSchema>, problems: ConfigProblems): TemporalConfig {
  const codec = problems.check(() => payloadCodecConfig(parsed.PAYLOAD_CODEC_KEYS, parsed.PAYLOAD_CODEC_ACTIVE_KEY));
  const connection = problems.check(() => temporalConnection(env));
  return { ...connection!, taskQueue: parsed.TEMPORAL_TASK_QUEUE, ...(codec ? { codec } : {}) };
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

function mintingConfig(env: Env, parsed: z.infer<typeof mintingSchema>, problems: ConfigProblems): MintingConfig {
  if (isProduction(parsed) && !parsed.CALLBACK_BASE_URL && env.CALLBACK_BASE_URL === undefined) {
    problems.add(
      'CALLBACK_BASE_URL is not set. In production set it to the public URL of the callback gateway (e.g. https://callbacks.example.com), the prefix of every minted callback URL.',
    );
  }
  const callbackApiKey = parsed.CALLBACK_API_KEY?.trim();
  const codec = problems.check(() => payloadCodecConfig(parsed.PAYLOAD_CODEC_KEYS, parsed.PAYLOAD_CODEC_ACTIVE_KEY));
  const token = tokenConfig(parsed, problems);
  return {
    token,
    callbackBaseUrl: parsed.CALLBACK_BASE_URL ?? `http://localhost:${parsed.GATEWAY_PORT}`,
    ...(callbackApiKey ? { callbackApiKey } : {}),
    ...(codec ? { codec } : {}),
    defaultedSettings: defaulted(env, ['CALLBACK_BASE_URL', 'CALLBACK_TOKEN_ISSUER', 'CALLBACK_TOKEN_AUDIENCE']),
  };
}

/** Which of `names` are unset (or blank) in `env`, so took their defaults. */
function defaulted(env: Env, names: string[]): string[] {
  return names.filter((name) => !env[name]?.trim());
}

/**
 * Parses what minting needs (token keys, `CALLBACK_BASE_URL`, `CALLBACK_API_KEY`,
 * `PAYLOAD_CODEC_KEYS`) and nothing of the connection, which the caller's own worker makes.
 * @throws {@link ConfigError} naming each bad variable.
 */
export function loadMintingConfig(env: Env = process.env): MintingConfig {
  return load((problems) => mintingConfig(env, parseFields(mintingSchema, env, problems), problems));
}

/** Parses the worker's configuration. @throws {@link ConfigError} naming each bad variable. */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  return load((problems) => {
    const parsed = parseFields(workerSchema, env, problems);
    return {
      ...mintingConfig(env, parsed, problems),
      temporal: temporalConfig(env, parsed, problems),
      ...(parsed.WORKER_MAX_CACHED_WORKFLOWS === undefined ? {} : { maxCachedWorkflows: parsed.WORKER_MAX_CACHED_WORKFLOWS }),
    };
  });
}

/** Parses the gateway's configuration. @throws {@link ConfigError} naming each bad variable. */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  return load((problems) => gatewayConfig(env, parseFields(gatewaySchema, env, problems), problems));
}

function gatewayConfig(env: Env, parsed: z.infer<typeof gatewaySchema>, problems: ConfigProblems): GatewayConfig {
  return {
    temporal: temporalConfig(env, parsed, problems),
    token: tokenConfig(parsed, problems),
    host: parsed.GATEWAY_HOST,
    port: parsed.GATEWAY_PORT,
    apiKeysFile: apiKeysFile(parsed),
    maxBodyBytes: parsed.MAX_BODY_BYTES,
    temporalCallTimeoutMs: parsed.TEMPORAL_CALL_TIMEOUT_MS,
    queryTimeoutMs: parsed.TEMPORAL_QUERY_TIMEOUT_MS,
    webhookSecrets: problems.check(() => webhookSecrets(parsed.WEBHOOK_SECRETS)) ?? new Map(),
    webhookSources: problems.check(() => webhookSources(parsed.WEBHOOK_SOURCES_FILE, env)) ?? new Map(),
    webhookHoldMs: parsed.WEBHOOK_HOLD_SECONDS * 1000,
    webhookMaxHeldEvents: parsed.WEBHOOK_MAX_HELD_EVENTS,
    rateLimitPerIp: parsed.RATE_LIMIT_PER_IP,
    rateLimitPerKey: parsed.RATE_LIMIT_PER_KEY,
    trustProxy: trustProxy(parsed.GATEWAY_TRUST_PROXY),
    requestTimeoutMs: parsed.REQUEST_TIMEOUT_MS,
    defaultedSettings: defaulted(env, ['GATEWAY_HOST', 'GATEWAY_PORT', 'CALLBACK_TOKEN_ISSUER', 'CALLBACK_TOKEN_AUDIENCE']),
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

/** Everything the codec server (`createCodecServer`) needs. */
export interface CodecServerConfig {
  codec: PayloadCodecConfig;
  host: string;
  port: number;
  allowedOrigin: string;
  authToken?: string;
}

/** Parses the codec server's configuration; it needs `PAYLOAD_CODEC_KEYS`. @throws {@link ConfigError}. */
export function loadCodecServerConfig(env: Env = process.env): CodecServerConfig {
  return load((problems) => codecServerConfig(parseFields(codecServerSchema, env, problems), problems));
}

function codecServerConfig(parsed: z.infer<typeof codecServerSchema>, problems: ConfigProblems): CodecServerConfig {
  const codec = problems.check(() => payloadCodecConfig(parsed.PAYLOAD_CODEC_KEYS, parsed.PAYLOAD_CODEC_ACTIVE_KEY));
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
  return load((problems) => temporalConfig(env, parseFields(temporalSchema, env, problems), problems));
}

/**
 * Parses the local dev server's settings (`TEMPORAL_UI_PORT`, `TEMPORAL_DATA_DIR`,
 * `DURABLE_CALLBACKS_DATA_DIR`); relative folders are resolved against `cwd`.
 * @throws {@link ConfigError} naming each bad variable.
 */
export function loadDevServerConfig(env: Env = process.env, cwd: string = process.cwd()): DevServerConfig {
  const parsed = parse(devServerSchema, env);
  const dataDir = parsed.TEMPORAL_DATA_DIR ? path.resolve(cwd, parsed.TEMPORAL_DATA_DIR) : path.resolve(cwd, parsed.DURABLE_CALLBACKS_DATA_DIR, 'temporal');
  return { uiPort: parsed.TEMPORAL_UI_PORT, dataDir };
}
