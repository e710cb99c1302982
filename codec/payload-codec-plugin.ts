import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { SimplePlugin } from '@temporalio/plugin';
import type { PayloadCodecConfig } from '../config/payload-codec-config';
import { checkPayloadCodecKeys, loadPayloadCodec } from './payload-codec';

/** The plugin's name, as Temporal lists it among a client's or worker's plugins. */
export const PAYLOAD_CODEC_PLUGIN_NAME = 'durable-callbacks-payload-codec';

/** A payload codec ready to install, and a promise that settles once its keys are imported. */
export interface DeferredPayloadCodec {
  codec: PayloadCodec;
  /** Resolves when the keys are imported; rejects with why they cannot be. */
  ready: Promise<unknown>;
}

/**
 * A codec for `config` whose keys are imported on first use: Temporal takes plugins and data
 * converters synchronously, and WebCrypto imports keys asynchronously. The keys' sizes are checked
 * at once, so a bad key fails here rather than on the first payload.
 * @throws `ConfigError` naming the bad key.
 */
export function deferredPayloadCodec(config: PayloadCodecConfig | PayloadCodec): DeferredPayloadCodec {
  if ('encode' in config) return { codec: config, ready: Promise.resolve() };
  checkPayloadCodecKeys(config);
  const loaded = loadPayloadCodec(config).then((codec) => codec!);
  // A loading error is reported by `ready` and by the first use; never as an unhandled rejection.
  loaded.catch(() => undefined);
  return {
    codec: {
      encode: async (payloads: Payload[]) => (await loaded).encode(payloads),
      decode: async (payloads: Payload[]) => (await loaded).decode(payloads),
    },
    ready: loaded,
  };
}

/** A data converter transform that appends `codec` to whatever codecs the converter already has. */
export function withPayloadCodec(codec: PayloadCodec): (existing: DataConverter | undefined) => DataConverter {
  return (existing) => ({ ...existing, payloadCodecs: [...(existing?.payloadCodecs ?? []), codec] });
}

/**
 * A Temporal plugin that installs the payload codec (AES-256-GCM with the keys of
 * `PAYLOAD_CODEC_KEYS`, or any codec) on a client, for clients that start or inspect workflows
 * whose workers encrypt: the same keys as the workers and the gateway. Workers get the codec from
 * the `durableCallbacks` plugin's `payloadCodec` option instead.
 *
 * ```ts
 * import { payloadCodecPlugin } from 'durable-callbacks/codec';
 * const client = new Client({ connection, plugins: [payloadCodecPlugin(config.codec)] });
 * ```
 * @throws `ConfigError` naming a bad key.
 */
export function payloadCodecPlugin(codec: PayloadCodecConfig | PayloadCodec): SimplePlugin {
  return new SimplePlugin({ name: PAYLOAD_CODEC_PLUGIN_NAME, dataConverter: withPayloadCodec(deferredPayloadCodec(codec).codec) });
}
