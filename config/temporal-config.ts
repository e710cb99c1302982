import type { TLSConfig } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { z } from 'zod';
import { ConfigError } from './config-error';
import { load, nonEmpty, parseFields, type ConfigProblems, type Env } from './load-config';
import { payloadCodecConfig, type PayloadCodecConfig } from './payload-codec-config';

// Where and how to connect to Temporal is Temporal's own environment configuration
// (@temporalio/envconfig: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*,
// TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE), read in temporalConfig(); this schema keeps only what is ours.
/** The variables of ours a Temporal client reads beside Temporal's own: the task queue and the payload keys. */
export const temporalSchema = z.object({
  TEMPORAL_TASK_QUEUE: nonEmpty.default('callbacks'),
  PAYLOAD_CODEC_KEYS: z.string().optional(),
  PAYLOAD_CODEC_ACTIVE_KEY: nonEmpty.optional(),
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

/** How to reach Temporal (a dev server, a self-hosted cluster or Temporal Cloud), and this project's settings on top. */
export interface TemporalConfig {
  connection: TemporalConnectionSettings;
  namespace: string;
  /** The task queue the worker polls and `awaitCallback` clients start on (`TEMPORAL_TASK_QUEUE`). */
  taskQueue: string;
  /** When set, every payload is encrypted before it reaches Temporal (`PAYLOAD_CODEC_KEYS`). */
  codec?: PayloadCodecConfig;
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

/** The Temporal settings from `env` and the already parsed `parsed`, problems recorded in `problems` (for loaders that read more). */
export function temporalConfig(env: Env, parsed: z.infer<typeof temporalSchema>, problems: ConfigProblems): TemporalConfig {
  const codec = problems.check(() => payloadCodecConfig(parsed.PAYLOAD_CODEC_KEYS, parsed.PAYLOAD_CODEC_ACTIVE_KEY));
  const connection = problems.check(() => temporalConnection(env));
  return { ...connection!, taskQueue: parsed.TEMPORAL_TASK_QUEUE, ...(codec ? { codec } : {}) };
}

/** Parses only the Temporal connection settings, for clients such as the demo. @throws {@link ConfigError} naming each bad variable. */
export function loadTemporalConfig(env: Env = process.env): TemporalConfig {
  return load((problems) => temporalConfig(env, parseFields(temporalSchema, env, problems), problems));
}
