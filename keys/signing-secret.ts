import type { SigningSecretSource } from '../config/token-config';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createFileExclusive } from './atomic-file';
import { ConfigError } from '../config/config-error';


/** The shortest signing secret accepted: 256 bits, as HS256 needs (RFC 7518 §3.2). */
export const MIN_SIGNING_SECRET_BYTES = 32;

function checkLength(secret: Uint8Array, origin: string): Uint8Array {
  if (secret.byteLength < MIN_SIGNING_SECRET_BYTES) {
    throw new ConfigError(
      `${origin} is ${secret.byteLength} bytes long; a signing secret must be at least ${MIN_SIGNING_SECRET_BYTES} bytes (256 bits). ` +
        'Make one with `openssl rand -base64 32` (or `node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64\'))"`).',
    );
  }
  return secret;
}

/**
 * The development secret kept in `file`: read, or on first use generated (32 random bytes,
 * base64url) and written exclusively, so processes started from one data folder agree on it
 * without a hard-coded secret. Outside production only; callers decide that.
 */
export async function readDevSecret(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // Losing this race to a concurrently starting process is fine: both then read its secret.
  await createFileExclusive(file, `${randomBytes(32).toString('base64url')}\n`);
  return fs.readFile(file, 'utf8');
}

/**
 * Loads the token signing secret as bytes. From the environment it is used as given; outside
 * production, when none is set, a random one is generated once into the data folder, so a
 * worker and a gateway started from the same folder agree without a hard-coded secret.
 * @throws {@link ConfigError} when the secret is shorter than {@link MIN_SIGNING_SECRET_BYTES}.
 */
export async function loadSigningSecret(source: SigningSecretSource): Promise<Uint8Array> {
  if (source.kind === 'env') {
    return checkLength(new TextEncoder().encode(source.value), 'CALLBACK_SIGNING_SECRET');
  }
  const text = (await readDevSecret(source.path)).trim();
  return checkLength(new TextEncoder().encode(text), `The development signing secret in ${source.path}`);
}
