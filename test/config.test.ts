import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadGatewayConfig, loadWorkerConfig } from '../lib/config';
import { loadSigningSecret } from '../lib/signing-secret';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  test('defaults need nothing set outside production', () => {
    const config = loadGatewayConfig({});
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', maxBodyBytes: 256 * 1024, temporal: { address: 'localhost:7233', namespace: 'default', taskQueue: 'callbacks' } });
    expect(config.token.keys.kind).toBe('dev-file');
    expect(loadWorkerConfig({ GATEWAY_PORT: '9000' }).callbackBaseUrl).toBe('http://localhost:9000');
  });

  test('production without a signing secret is a startup error that says what to set', () => {
    const err = errorOf(() => loadGatewayConfig({ NODE_ENV: 'production' }));
    expect(err.message).toContain('CALLBACK_SIGNING_SECRET');
    expect(err.message).toContain('openssl rand');
  });

  test('a key ring file and a single secret at once is ambiguous, and refused', () => {
    const err = errorOf(() => loadGatewayConfig({ CALLBACK_SIGNING_SECRET: 'x'.repeat(44), CALLBACK_KEY_RING_FILE: '/etc/ring.json' }));
    expect(err.message).toContain('CALLBACK_KEY_RING_FILE');
    expect(loadGatewayConfig({ NODE_ENV: 'production', CALLBACK_KEY_RING_FILE: '/etc/ring.json' }).token.keys).toEqual({ kind: 'ring-file', path: '/etc/ring.json' });
  });

  test('a production worker needs the public gateway URL', () => {
    const err = errorOf(() => loadWorkerConfig({ NODE_ENV: 'production', CALLBACK_SIGNING_SECRET: 'x'.repeat(44) }));
    expect(err.message).toContain('CALLBACK_BASE_URL');
  });

  test('a malformed value is named', () => {
    expect(errorOf(() => loadGatewayConfig({ GATEWAY_PORT: 'eighty' })).message).toContain('GATEWAY_PORT');
    expect(errorOf(() => loadWorkerConfig({ CALLBACK_BASE_URL: 'not a url' })).message).toContain('CALLBACK_BASE_URL');
  });

  test('a signing secret shorter than 256 bits is refused with how to make one', async () => {
    const err = await loadSigningSecret({ kind: 'env', value: 'too-short' }).catch((e: unknown) => e as ConfigError);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain('at least 32 bytes');
    expect((err as ConfigError).message).toContain('openssl rand -base64 32');
  });

  test('the development secret is generated once and then reused', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-secret-'));
    const file = path.join(dir, 'dev-signing-secret');
    const [a, b] = await Promise.all([loadSigningSecret({ kind: 'dev-file', path: file }), loadSigningSecret({ kind: 'dev-file', path: file })]);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(await loadSigningSecret({ kind: 'dev-file', path: file })).equals(Buffer.from(a))).toBe(true);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    await fs.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  });
});

describe('connecting to a cluster or Temporal Cloud', () => {
  test('TLS files and an API key are read from the environment', () => {
    const config = loadGatewayConfig({
      TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'my-ns.a1b2c',
      TEMPORAL_TLS_CERT: '/certs/client.pem',
      TEMPORAL_TLS_KEY: '/certs/client.key',
    });
    expect(config.temporal).toMatchObject({ address: 'my-ns.a1b2c.tmprl.cloud:7233', tls: { clientCertPath: '/certs/client.pem', clientKeyPath: '/certs/client.key' } });
    expect(loadWorkerConfig({ TEMPORAL_API_KEY: 'secret' }).temporal).toMatchObject({ apiKey: 'secret', tls: {} });
    expect(loadWorkerConfig({}).temporal.tls).toBeUndefined();
  });

  test('a certificate without its key is a startup error', () => {
    expect(errorOf(() => loadGatewayConfig({ TEMPORAL_TLS_CERT: '/certs/client.pem' })).message).toContain('TEMPORAL_TLS_KEY');
  });
});

describe('payload encryption settings', () => {
  test('PAYLOAD_CODEC_KEYS names its keys; the first is active unless PAYLOAD_CODEC_ACTIVE_KEY says otherwise', () => {
    const a = 'A'.repeat(43);
    const b = 'B'.repeat(43);
    expect(loadWorkerConfig({ PAYLOAD_CODEC_KEYS: `k1=${a},k2=${b}` }).temporal.codec).toEqual({ keys: new Map([['k1', a], ['k2', b]]), activeKid: 'k1' });
    expect(loadWorkerConfig({ PAYLOAD_CODEC_KEYS: `k1=${a},k2=${b}`, PAYLOAD_CODEC_ACTIVE_KEY: 'k2' }).temporal.codec?.activeKid).toBe('k2');
    expect(errorOf(() => loadWorkerConfig({ PAYLOAD_CODEC_KEYS: 'k1=short' })).message).toContain('PAYLOAD_CODEC_KEYS');
    expect(errorOf(() => loadWorkerConfig({ PAYLOAD_CODEC_KEYS: `k1=${a}`, PAYLOAD_CODEC_ACTIVE_KEY: 'k9' })).message).toContain('PAYLOAD_CODEC_ACTIVE_KEY');
  });
});
