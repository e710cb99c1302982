import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { TemporalConfig } from '../config/temporal-config';
import { loadPayloadCodec } from '../codec/payload-codec';

/**
 * Client-side connections to Temporal for the gateway, the CLI and the demo. Client only: this
 * module never loads `@temporalio/worker` (and its native module), so a gateway process stays
 * small; workers connect with `connectWorker` in `worker/`.
 */

/** The data converter for `config`: payload encryption when `PAYLOAD_CODEC_KEYS` is set. */
export async function temporalDataConverter(config: TemporalConfig): Promise<DataConverter | undefined> {
  const codec = await loadPayloadCodec(config.codec);
  return codec ? { payloadCodecs: [codec] } : undefined;
}

/** A client for `config`'s namespace; lazy, so it is created even while Temporal is down. */
export async function createTemporalClient(config: TemporalConfig): Promise<{ client: Client; connection: Connection }> {
  const connection = Connection.lazy(config.connection);
  const dataConverter = await temporalDataConverter(config);
  return { client: new Client({ connection, namespace: config.namespace, ...(dataConverter ? { dataConverter } : {}) }), connection };
}
