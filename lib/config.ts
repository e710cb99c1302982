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

const temporalSchema = z.object({
  TEMPORAL_ADDRESS: nonEmpty.default('localhost:7233'),
  TEMPORAL_NAMESPACE: nonEmpty.default('default'),
  TEMPORAL_TASK_QUEUE: nonEmpty.default('callbacks'),
});

const commonSchema = z.object({
  NODE_ENV: z.string().optional(),
  DURABLE_CALLBACKS_DATA_DIR: nonEmpty.default('.data'),
  CALLBACK_SIGNING_SECRET: z.string().optional(),
  CALLBACK_TOKEN_ISSUER: nonEmpty.default('durable-callbacks'),
  CALLBACK_TOKEN_AUDIENCE: nonEmpty.default('durable-callbacks-gateway'),
  GATEWAY_PORT: port.default(8080),
});

const workerSchema = temporalSchema.extend(commonSchema.shape).extend({
  CALLBACK_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  CALLBACK_API_KEY: z.string().optional(),
  TICKETING_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:8090'),
});

const gatewaySchema = temporalSchema.extend(commonSchema.shape).extend({
  GATEWAY_HOST: nonEmpty.default('127.0.0.1'),
  API_KEYS_FILE: nonEmpty.optional(),
  MAX_BODY_BYTES: z.coerce.number().int().min(1).max(2 * 1024 * 1024).default(256 * 1024),
  TEMPORAL_CALL_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
});

const keysSchema = commonSchema.pick({ DURABLE_CALLBACKS_DATA_DIR: true }).extend({
  API_KEYS_FILE: nonEmpty.optional(),
});

const devServerSchema = z.object({
  TEMPORAL_UI_PORT: port.default(8233),
});

/** How to reach Temporal. */
export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
}

/**
 * Where the token signing secret comes from: the environment, or (outside production only) a
 * random secret generated once and kept in the data folder so the worker and gateway agree.
 */
export type SigningSecretSource =
  | { kind: 'env'; value: string }
  | { kind: 'dev-file'; path: string };

/** Token settings shared by the minting worker and the verifying gateway. */
export interface TokenConfig {
  signingSecret: SigningSecretSource;
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
}

/** Everything the `keys` command needs. */
export interface KeysConfig {
  apiKeysFile: string;
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

function tokenConfig(env: z.infer<typeof commonSchema>): TokenConfig {
  const secret = env.CALLBACK_SIGNING_SECRET?.trim();
  if (secret) return { signingSecret: { kind: 'env', value: secret }, issuer: env.CALLBACK_TOKEN_ISSUER, audience: env.CALLBACK_TOKEN_AUDIENCE };
  if (isProduction(env)) {
    throw new ConfigError(
      'CALLBACK_SIGNING_SECRET is not set. In production the worker and the gateway must share a signing secret of at least 32 bytes; ' +
        'make one with `openssl rand -base64 32` and set CALLBACK_SIGNING_SECRET to it in both processes.',
    );
  }
  return {
    signingSecret: { kind: 'dev-file', path: path.resolve(env.DURABLE_CALLBACKS_DATA_DIR, 'dev-signing-secret') },
    issuer: env.CALLBACK_TOKEN_ISSUER,
    audience: env.CALLBACK_TOKEN_AUDIENCE,
  };
}

function temporalConfig(env: z.infer<typeof temporalSchema>): TemporalConfig {
  return { address: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE };
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
  };
}

/** Parses the `keys` command's configuration. @throws {@link ConfigError} naming each bad variable. */
export function loadKeysConfig(env: Env = process.env): KeysConfig {
  return { apiKeysFile: apiKeysFile(parse(keysSchema, env)) };
}

/** Parses only the Temporal connection settings, for clients such as the demo. */
export function loadTemporalConfig(env: Env = process.env): TemporalConfig {
  return temporalConfig(parse(temporalSchema, env));
}

/** Parses the local dev server's settings (`TEMPORAL_UI_PORT`). @throws {@link ConfigError} naming each bad variable. */
export function loadDevServerConfig(env: Env = process.env): DevServerConfig {
  return { uiPort: parse(devServerSchema, env).TEMPORAL_UI_PORT };
}
