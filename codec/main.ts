import { once } from 'node:events';
import { createCodecServer } from './codec-server';
import { loadCodecServerConfig } from './config';
import { loadPayloadCodec } from './payload-codec';
import { runMain } from '../config/run-main';

/**
 * `durable-callbacks codec-server`: the remote codec endpoint for the Temporal Web UI, so people holding
 * the payload keys can read encrypted histories. Point the UI at it (for the dev server:
 * `TEMPORAL_UI_CODEC_ENDPOINT=http://localhost:8888 ./temporal-dev.sh start`).
 */
export async function runCodecServer(): Promise<void> {
  const config = loadCodecServerConfig();
  const codec = (await loadPayloadCodec(config.codec))!;
  const server = createCodecServer({ codec, allowedOrigin: config.allowedOrigin, ...(config.authToken ? { authToken: config.authToken } : {}) }).listen(config.port, config.host);
  await once(server, 'listening');
  console.log(`codec server listening on http://${config.host}:${config.port} for ${config.allowedOrigin}${config.authToken ? ' (token required)' : ''}`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) runMain(runCodecServer);
