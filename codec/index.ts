/**
 * Payload encryption for durable callbacks (Node only): the AES-256-GCM codec every process holding
 * the keys installs, the plugin that installs it on a Temporal client, and the remote codec server
 * the Temporal Web UI reads encrypted histories through. Workers get the codec from the
 * `durableCallbacks` plugin's `payloadCodec` option.
 *
 * @packageDocumentation
 */
export { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, loadPayloadCodec, checkPayloadCodecKeys } from './payload-codec';
export { payloadCodecPlugin, PAYLOAD_CODEC_PLUGIN_NAME } from './payload-codec-plugin';
export { createCodecServer, type CodecServerOptions } from './codec-server';
export { loadCodecServerConfig, type CodecServerConfig } from './config';
export { payloadCodecConfig, type PayloadCodecConfig } from '../config/payload-codec-config';
