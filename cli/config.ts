import path from 'node:path';
import { z } from 'zod';
import { apiKeysFile, dataDirSetting, nonEmpty, parse, port, type Env } from '../config/load-config';

const keysSchema = z.object({
  ...dataDirSetting,
  CALLBACK_KEY_RING_FILE: nonEmpty.optional(),
  API_KEYS_FILE: nonEmpty.optional(),
});

const approvalsSchema = z.object({
  ...dataDirSetting,
  APPROVAL_RECEIPT_KEY_FILE: nonEmpty.optional(),
  GATEWAY_URL: z.url({ protocol: /^https?$/ }).optional(),
  CALLBACK_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  GATEWAY_PORT: port.default(8080),
});

const devServerSchema = z.object({
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_DATA_DIR: nonEmpty.optional(),
  ...dataDirSetting,
});

/** Everything the `keys` command needs. */
export interface KeysConfig {
  apiKeysFile: string;
  /** The token key ring `signing-keys` edits: `CALLBACK_KEY_RING_FILE`, else `<data dir>/key-ring.json`. */
  keyRingFile: string;
}

/** Everything the `approvals` commands need besides the Temporal settings. */
export interface ApprovalsConfig {
  /** The receipt key file `approvals keys` edits and reads: `APPROVAL_RECEIPT_KEY_FILE`, else `<data dir>/approval-receipt-keys.json`. */
  receiptKeyFile: string;
  /**
   * Where `approvals verify` fetches the published keys when no `--jwks` is given: the gateway's
   * `/.well-known/jwks.json`, the gateway being `GATEWAY_URL`, else `CALLBACK_BASE_URL` (the
   * gateway's public URL the worker mints with), else `http://localhost:<GATEWAY_PORT>`.
   */
  jwksUrl: string;
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

/** Parses the `keys` command's configuration. @throws {@link ConfigError} naming each bad variable. */
export function loadKeysConfig(env: Env = process.env): KeysConfig {
  const parsed = parse(keysSchema, env);
  return {
    apiKeysFile: apiKeysFile(parsed),
    keyRingFile: path.resolve(parsed.CALLBACK_KEY_RING_FILE ?? path.join(parsed.DURABLE_CALLBACKS_DATA_DIR, 'key-ring.json')),
  };
}

/** Parses the `approvals` commands' configuration. @throws {@link ConfigError} naming each bad variable. */
export function loadApprovalsConfig(env: Env = process.env): ApprovalsConfig {
  const parsed = parse(approvalsSchema, env);
  const gateway = parsed.GATEWAY_URL ?? parsed.CALLBACK_BASE_URL ?? `http://localhost:${parsed.GATEWAY_PORT}`;
  return {
    receiptKeyFile: path.resolve(parsed.APPROVAL_RECEIPT_KEY_FILE ?? path.join(parsed.DURABLE_CALLBACKS_DATA_DIR, 'approval-receipt-keys.json')),
    jwksUrl: new URL('.well-known/jwks.json', gateway.endsWith('/') ? gateway : `${gateway}/`).toString(),
  };
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
