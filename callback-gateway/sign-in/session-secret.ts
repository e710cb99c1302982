import { ConfigError } from '../../config/config-error';
import type { SigningSecretSource } from '../../config/token-config';
import { MIN_SIGNING_SECRET_BYTES, readDevSecret } from '../../keys/signing-secret';

/** Bytes of `text` read as hex when it is hex, else as base64 or base64url. */
function decodeSecret(text: string): Uint8Array {
  if (/^(?:[0-9a-fA-F]{2})+$/.test(text)) return Buffer.from(text, 'hex');
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/**
 * Loads the secret that signs the gateway's session cookies and derives their CSRF tokens:
 * `SESSION_SECRET` (at least 32 bytes, base64 or hex), or outside production a random one
 * generated once into the data folder, as the development token secret is, so restarting the
 * gateway keeps people signed in.
 * @throws {@link ConfigError} when it decodes to fewer than 32 bytes.
 */
export async function loadSessionSecret(source: SigningSecretSource): Promise<Uint8Array> {
  const text = source.kind === 'env' ? source.value.trim() : (await readDevSecret(source.path)).trim();
  const secret = decodeSecret(text);
  if (secret.byteLength < MIN_SIGNING_SECRET_BYTES) {
    const origin = source.kind === 'env' ? 'SESSION_SECRET' : `The development session secret in ${source.path}`;
    throw new ConfigError(`${origin} decodes to ${secret.byteLength} bytes; it must be at least ${MIN_SIGNING_SECRET_BYTES} random bytes, base64 or hex (make one with \`openssl rand -base64 32\`).`);
  }
  return secret;
}
