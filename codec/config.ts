import { z } from 'zod';
import { ConfigError } from '../config/config-error';
import { load, nonEmpty, parseFields, port, type ConfigProblems, type Env } from '../config/load-config';
import { payloadCodecConfig, type PayloadCodecConfig } from '../config/payload-codec-config';

const codecServerSchema = z.object({
  PAYLOAD_CODEC_KEYS: z.string().optional(),
  PAYLOAD_CODEC_ACTIVE_KEY: nonEmpty.optional(),
  CODEC_SERVER_HOST: nonEmpty.default('127.0.0.1'),
  CODEC_SERVER_PORT: port.default(8888),
  CODEC_CORS_ORIGIN: nonEmpty.default('http://localhost:8233'),
  CODEC_AUTH_TOKEN: nonEmpty.optional(),
});

/** Everything the codec server (`createCodecServer`) needs. */
export interface CodecServerConfig {
  codec: PayloadCodecConfig;
  host: string;
  port: number;
  allowedOrigin: string;
  authToken?: string;
}

/** Parses the codec server's configuration; it needs `PAYLOAD_CODEC_KEYS`. @throws {@link ConfigError}. */
export function loadCodecServerConfig(env: Env = process.env): CodecServerConfig {
  return load((problems) => codecServerConfig(parseFields(codecServerSchema, env, problems), problems));
}

function codecServerConfig(parsed: z.infer<typeof codecServerSchema>, problems: ConfigProblems): CodecServerConfig {
  const codec = problems.check(() => payloadCodecConfig(parsed.PAYLOAD_CODEC_KEYS, parsed.PAYLOAD_CODEC_ACTIVE_KEY));
  if (!codec) throw new ConfigError('PAYLOAD_CODEC_KEYS is not set: the codec server decrypts with the same keys as the worker and the gateway.');
  return {
    codec,
    host: parsed.CODEC_SERVER_HOST,
    port: parsed.CODEC_SERVER_PORT,
    allowedOrigin: parsed.CODEC_CORS_ORIGIN,
    ...(parsed.CODEC_AUTH_TOKEN ? { authToken: parsed.CODEC_AUTH_TOKEN } : {}),
  };
}

