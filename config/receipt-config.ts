import path from 'node:path';
import { ConfigError } from './config-error';
import { defaulted, isProduction, nonEmpty, type Env } from './load-config';

/**
 * The settings of approval receipts: where the worker's receipt signing key comes from and the
 * issuer it signs as, and where the gateway reads the public keys it publishes. Parsed here once
 * for both, so that in development the two processes find the same generated key file.
 */

/** The file a development worker and gateway share when no receipt key is configured. */
export const DEV_RECEIPT_KEY_FILE = 'dev-approval-receipt-key.json';

/** The variables of the worker's receipt settings (merged into its schema). */
export const receiptSigningSettings = {
  APPROVAL_RECEIPT_KEY_FILE: nonEmpty.optional(),
  APPROVAL_RECEIPT_ISSUER: nonEmpty.default('durable-callbacks'),
};

/** The variable of the gateway's published receipt keys (merged into its schema). */
export const receiptPublishingSettings = {
  APPROVAL_RECEIPT_PUBLIC_KEYS_FILE: nonEmpty.optional(),
};

/**
 * Where a receipt key comes from: a configured key file (a private JWK, or a JWKS with
 * `activeKid`), or, outside production only, an Ed25519 key generated once into the data folder.
 */
export type ReceiptKeySource = { kind: 'key-file'; path: string } | { kind: 'dev-file'; path: string };

/** Where the gateway reads the public keys it publishes: a JWKS file, or the development key file. */
export type PublishedKeysSource = { kind: 'jwks-file'; path: string } | { kind: 'dev-file'; path: string };

/** What a worker signs receipts with. */
export interface ReceiptSigningConfig {
  keys: ReceiptKeySource;
  /** The `iss` of every receipt (`APPROVAL_RECEIPT_ISSUER`). */
  issuer: string;
  /** The receipt settings that took their defaults, for the startup line. */
  defaultedSettings?: readonly string[];
}

interface ReceiptEnv {
  NODE_ENV?: string;
  DURABLE_CALLBACKS_DATA_DIR: string;
  APPROVAL_RECEIPT_KEY_FILE?: string;
  APPROVAL_RECEIPT_ISSUER?: string;
  APPROVAL_RECEIPT_PUBLIC_KEYS_FILE?: string;
}

function devFile(env: ReceiptEnv): { kind: 'dev-file'; path: string } {
  return { kind: 'dev-file', path: path.resolve(env.DURABLE_CALLBACKS_DATA_DIR, DEV_RECEIPT_KEY_FILE) };
}

/**
 * The worker's receipt settings from parsed variables (`env`); `raw` tells which took their defaults.
 * @throws {@link ConfigError} in production when `APPROVAL_RECEIPT_KEY_FILE` is not set.
 */
export function receiptSigningConfig(raw: Env, env: ReceiptEnv): ReceiptSigningConfig {
  const defaults = defaulted(raw, ['APPROVAL_RECEIPT_KEY_FILE', 'APPROVAL_RECEIPT_ISSUER']);
  const issuer = env.APPROVAL_RECEIPT_ISSUER ?? 'durable-callbacks';
  if (env.APPROVAL_RECEIPT_KEY_FILE) return { keys: { kind: 'key-file', path: path.resolve(env.APPROVAL_RECEIPT_KEY_FILE) }, issuer, defaultedSettings: defaults };
  if (isProduction(env)) {
    throw new ConfigError(
      'APPROVAL_RECEIPT_KEY_FILE is not set. In production the worker signs approval receipts with a key of its own: set it to a private ' +
        'Ed25519 (or P-256) JWK, or a JWKS with activeKid (make one with `durable-callbacks approvals keys generate`), and publish its public ' +
        'keys to the gateway with APPROVAL_RECEIPT_PUBLIC_KEYS_FILE.',
    );
  }
  return { keys: devFile(env), issuer, defaultedSettings: defaults };
}

/**
 * The gateway's published receipt keys from parsed variables: the configured JWKS file, the
 * development key file outside production, or nothing (production without the setting: the
 * gateway then answers `/.well-known/jwks.json` with 404 `RECEIPT_KEYS_NOT_PUBLISHED`).
 */
export function receiptPublishingConfig(env: ReceiptEnv): PublishedKeysSource | undefined {
  if (env.APPROVAL_RECEIPT_PUBLIC_KEYS_FILE) return { kind: 'jwks-file', path: path.resolve(env.APPROVAL_RECEIPT_PUBLIC_KEYS_FILE) };
  return isProduction(env) ? undefined : devFile(env);
}
