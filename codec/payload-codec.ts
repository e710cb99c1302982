import type { Payload, PayloadCodec } from '@temporalio/common';
import type { CryptoKey } from 'jose';
import { ConfigError } from '../config/config-error';
import { type PayloadCodecConfig } from '../config/payload-codec-config';

/** The `encoding` metadata of a payload this codec encrypted. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key a payload was encrypted with, so old payloads stay readable after rotation. */
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A payload as JSON: metadata values and data in base64 (the plaintext this codec encrypts). */
interface WirePayload {
  metadata: Record<string, string>;
  data: string;
}

function toWire(payload: Payload): WirePayload {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload.metadata ?? {})) metadata[name] = Buffer.from(value).toString('base64');
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}

function fromWire(wire: WirePayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [name, value] of Object.entries(wire.metadata)) metadata[name] = Buffer.from(value, 'base64');
  return { metadata, data: Buffer.from(wire.data, 'base64') };
}

/**
 * A Temporal payload codec that encrypts every payload with AES-256-GCM before it leaves the
 * process, so history, the Web UI and the CLI show ciphertext: callback URLs (bearer secrets),
 * delivered data and results stay readable only to holders of a key. Each payload names its key
 * id; keys are rotated by adding a new active key and keeping the old ones for reading.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(
    private readonly keys: ReadonlyMap<string, CryptoKey>,
    private readonly activeKid: string,
  ) {
    if (!keys.has(activeKid)) throw new ConfigError(`The active payload key '${activeKid}' is not among the payload keys.`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.activeKid)!;
    return Promise.all(
      payloads.map(async (payload) => {
        const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
        const plain = encoder.encode(JSON.stringify(toWire(payload)));
        const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plain));
        const data = new Uint8Array(IV_BYTES + sealed.byteLength);
        data.set(iv);
        data.set(sealed, IV_BYTES);
        return { metadata: { encoding: encoder.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: encoder.encode(this.activeKid) }, data };
      }),
    );
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        const encoding = payload.metadata?.encoding;
        if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
        const kidBytes = payload.metadata?.[KEY_ID_METADATA];
        const kid = kidBytes ? decoder.decode(kidBytes) : '';
        const key = this.keys.get(kid);
        if (!key) throw new Error(`A payload is encrypted with key '${kid}', which this process does not have; add it to PAYLOAD_CODEC_KEYS.`);
        const data = payload.data ?? new Uint8Array();
        const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: data.subarray(0, IV_BYTES) }, key, data.subarray(IV_BYTES));
        return fromWire(JSON.parse(decoder.decode(plain)) as WirePayload);
      }),
    );
  }
}

function rawKey(kid: string, secret: string): Buffer {
  const raw = Buffer.from(secret, 'base64url');
  if (raw.byteLength !== 32) {
    throw new ConfigError(`PAYLOAD_CODEC_KEYS: key '${kid}' must be 32 bytes in base64url (make one with \`openssl rand -base64 32 | tr '+/' '-_' | tr -d =\`).`);
  }
  return raw;
}

/**
 * Checks the configured payload keys synchronously (sizes, the active key), so a plugin reports
 * a bad key when it is created rather than on the first payload.
 * @throws {@link ConfigError} naming the bad key.
 */
export function checkPayloadCodecKeys(config: PayloadCodecConfig): void {
  for (const [kid, secret] of config.keys) rawKey(kid, secret);
  if (!config.keys.has(config.activeKid)) throw new ConfigError(`The active payload key '${config.activeKid}' is not among the payload keys.`);
}

/** Imports the configured payload keys once and builds the codec, or returns undefined when none are configured. */
export async function loadPayloadCodec(config: PayloadCodecConfig | undefined): Promise<AesGcmPayloadCodec | undefined> {
  if (!config) return undefined;
  const keys = new Map<string, CryptoKey>();
  for (const [kid, secret] of config.keys) {
    keys.set(kid, (await crypto.subtle.importKey('raw', rawKey(kid, secret), 'AES-GCM', false, ['encrypt', 'decrypt'])) as CryptoKey);
  }
  return new AesGcmPayloadCodec(keys, config.activeKid);
}
