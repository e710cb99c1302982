import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config-error';
import { dataDirSetting, isProduction, nonEmpty, type ConfigProblems } from './load-config';

/**
 * The token settings the minting worker and the verifying gateway share, and must agree on: where
 * the keys come from, the issuer and the audience. Parsed here once for both, so the two processes
 * cannot read them differently.
 */

/** The variables of the token settings. */
export const tokenSchema = z.object({
  NODE_ENV: z.string().optional(),
  ...dataDirSetting,
  CALLBACK_SIGNING_SECRET: z.string().optional(),
  CALLBACK_KEY_RING_FILE: nonEmpty.optional(),
  CALLBACK_TOKEN_ISSUER: nonEmpty.default('durable-callbacks'),
  CALLBACK_TOKEN_AUDIENCE: nonEmpty.default('durable-callbacks-gateway'),
});

/**
 * Where the token signing secret comes from: the environment, or (outside production only) a
 * random secret generated once and kept in the data folder so the worker and gateway agree.
 */
export type SigningSecretSource =
  | { kind: 'env'; value: string }
  | { kind: 'dev-file'; path: string };

/** Where the token keys come from: a single secret ({@link SigningSecretSource}) or a key ring file. */
export type KeySource = SigningSecretSource | { kind: 'ring-file'; path: string };

/** Token settings shared by the minting worker and the verifying gateway. */
export interface TokenConfig {
  keys: KeySource;
  issuer: string;
  audience: string;
}

/** The variables of the token settings that were left at their defaults, for the startup lines. */
export const TOKEN_DEFAULTS = ['CALLBACK_TOKEN_ISSUER', 'CALLBACK_TOKEN_AUDIENCE'];

function keySource(env: z.infer<typeof tokenSchema>): KeySource {
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

/** The token settings from parsed variables; a problem with the key source is recorded in `problems`. */
export function tokenConfig(env: z.infer<typeof tokenSchema>, problems: ConfigProblems): TokenConfig {
  const keys = problems.check(() => keySource(env));
  return { keys: keys!, issuer: env.CALLBACK_TOKEN_ISSUER, audience: env.CALLBACK_TOKEN_AUDIENCE };
}
