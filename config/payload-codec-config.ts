import { ConfigError } from './config-error';
import { NAME_PATTERN } from '../protocol/names';

/** Payload encryption keys (base64url, 32 bytes each) by key id, and the one new payloads use. */
export interface PayloadCodecConfig {
  keys: Map<string, string>;
  activeKid: string;
}

/**
 * Parses `PAYLOAD_CODEC_KEYS` (`<key id>=<32 bytes in base64url>,…`) and `PAYLOAD_CODEC_ACTIVE_KEY`
 * (default: the first key); undefined when no keys are set. Shared by every process that reads or
 * writes payloads: worker, gateway, clients and the codec server must hold the same keys.
 * @throws {@link ConfigError} naming the variable.
 */
export function payloadCodecConfig(keys: string | undefined, active: string | undefined): PayloadCodecConfig | undefined {
  if (!keys?.trim()) {
    if (active) throw new ConfigError('PAYLOAD_CODEC_ACTIVE_KEY is set but PAYLOAD_CODEC_KEYS is not.');
    return undefined;
  }
  const parsed = new Map<string, string>();
  for (const entry of keys.split(',').map((part) => part.trim()).filter(Boolean)) {
    const separator = entry.indexOf('=');
    const kid = entry.slice(0, separator);
    if (separator <= 0 || !NAME_PATTERN.test(kid) || !/^[A-Za-z0-9_-]{43}$/.test(entry.slice(separator + 1))) {
      throw new ConfigError('PAYLOAD_CODEC_KEYS must be a comma-separated list of <key id>=<32 bytes in base64url, 43 characters>.');
    }
    parsed.set(kid, entry.slice(separator + 1));
  }
  const activeKid = active ?? [...parsed.keys()][0]!;
  if (!parsed.has(activeKid)) throw new ConfigError(`PAYLOAD_CODEC_ACTIVE_KEY '${activeKid}' is not one of the keys in PAYLOAD_CODEC_KEYS.`);
  return { keys: parsed, activeKid };
}
