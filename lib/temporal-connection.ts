import { promises as fs } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { TemporalConfig } from './config';
import { loadPayloadCodec } from './payload-codec';

/** What both the client `Connection` and the worker's `NativeConnection` take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Uint8Array;
    clientCertPair?: { crt: Uint8Array; key: Uint8Array };
  };
  apiKey?: string;
}

async function readPem(file: string, variable: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    throw new Error(`Cannot read ${variable} (${file}): ${(err as Error).message}`);
  }
}

/**
 * Connection options from parsed configuration: address, TLS (reading the certificate files
 * now) and API key. Used for the worker, the gateway and the CLI alike, so a cluster or Temporal
 * Cloud is configured once, in the environment.
 */
export async function temporalConnectionOptions(config: TemporalConfig): Promise<TemporalConnectionOptions> {
  const { tls } = config;
  if (!tls) return { address: config.address };
  return {
    address: config.address,
    tls: {
      ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
      ...(tls.caPath ? { serverRootCACertificate: await readPem(tls.caPath, 'TEMPORAL_TLS_CA') } : {}),
      ...(tls.clientCertPath && tls.clientKeyPath
        ? { clientCertPair: { crt: await readPem(tls.clientCertPath, 'TEMPORAL_TLS_CERT'), key: await readPem(tls.clientKeyPath, 'TEMPORAL_TLS_KEY') } }
        : {}),
    },
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
  };
}

/** The data converter for `config`: payload encryption when `PAYLOAD_CODEC_KEYS` is set. */
export async function temporalDataConverter(config: TemporalConfig): Promise<DataConverter | undefined> {
  const codec = await loadPayloadCodec(config.codec);
  return codec ? { payloadCodecs: [codec] } : undefined;
}

/** A client for `config`'s namespace; lazy, so it is created even while Temporal is down. */
export async function createTemporalClient(config: TemporalConfig): Promise<{ client: Client; connection: Connection }> {
  const connection = Connection.lazy(await temporalConnectionOptions(config));
  const dataConverter = await temporalDataConverter(config);
  return { client: new Client({ connection, namespace: config.namespace, ...(dataConverter ? { dataConverter } : {}) }), connection };
}

/** The worker's connection to Temporal. */
export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(await temporalConnectionOptions(config));
}
