import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../config/config-error';
import { loadGatewayConfig } from '../callback-gateway/config';
import { loadWorkerConfig } from '../worker/config';
import { loadSigningSecret } from '../keys/signing-secret';
import { loadSessionSecret } from '../callback-gateway/sign-in/session-secret';

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
    expect(config).toMatchObject({
      listen: { port: 8080, host: '127.0.0.1' },
      server: { maxBodyBytes: 256 * 1024, requestTimeoutMs: 30_000 },
      temporal: { connection: { address: 'localhost:7233' }, namespace: 'default', taskQueue: 'callbacks' },
    });
    expect(config.app).toMatchObject({ maxBodyBytes: 256 * 1024, temporalCallTimeoutMs: 5_000, queryTimeoutMs: 1_000, trustProxy: false });
    expect(config.app.rateLimits).toEqual({ perIp: { perMinute: 0 }, perKey: { perMinute: 600 } });
    expect(config.app.webhooks).toBeUndefined();
    expect(loadGatewayConfig({ TEMPORAL_QUERY_TIMEOUT_MS: '250' }).app.queryTimeoutMs).toBe(250);
    expect(config.token.keys.kind).toBe('dev-file');
    expect(loadWorkerConfig({ GATEWAY_PORT: '9000' }).callbackBaseUrl).toBe('http://localhost:9000');
  });

  test('every missing or malformed setting is listed at once, one per line, each naming its variable', () => {
    const err = errorOf(() => loadWorkerConfig({ NODE_ENV: 'production' }));
    const lines = err.message.split('\n').slice(1);
    expect(lines).toHaveLength(3);
    expect(lines.find((line) => line.includes('CALLBACK_BASE_URL is not set'))).toBeDefined();
    expect(lines.find((line) => line.includes('APPROVAL_RECEIPT_KEY_FILE is not set'))).toBeDefined();
    expect(lines.find((line) => line.includes('CALLBACK_SIGNING_SECRET is not set'))).toBeDefined();

    const gateway = errorOf(() => loadGatewayConfig({ GATEWAY_PORT: 'eighty', MAX_BODY_BYTES: '0', PAYLOAD_CODEC_KEYS: 'k1=short', WEBHOOK_SECRETS: 'acme=nope' }));
    const named = ['GATEWAY_PORT', 'MAX_BODY_BYTES', 'PAYLOAD_CODEC_KEYS', 'WEBHOOK_SECRETS'];
    expect(gateway.code).toBe('INVALID_CONFIG');
    expect(gateway.message.split('\n').slice(1).map((line) => named.find((name) => line.includes(name)))).toEqual(expect.arrayContaining(named));
    expect(gateway.message.split('\n')).toHaveLength(1 + named.length);
  });

  test('a defaulted base URL, issuer and audience are reported as defaulted, for the startup line', () => {
    expect(loadWorkerConfig({}).defaultedSettings).toEqual(['CALLBACK_BASE_URL', 'CALLBACK_TOKEN_ISSUER', 'CALLBACK_TOKEN_AUDIENCE']);
    expect(loadWorkerConfig({ CALLBACK_BASE_URL: 'https://callbacks.example.com' }).defaultedSettings).not.toContain('CALLBACK_BASE_URL');
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

describe('sign-in settings (OpenID Connect, for approvals)', () => {
  const OIDC = { OIDC_ISSUER: 'https://idp.example.com', OIDC_CLIENT_ID: 'dcb-gateway', OIDC_CLIENT_SECRET: 'client-secret' };
  const PRODUCTION = { NODE_ENV: 'production', CALLBACK_SIGNING_SECRET: 'x'.repeat(44) };

  test('off without OIDC_ISSUER; with it, the client, the groups claim, the redirect base and a development session secret default', () => {
    expect(loadGatewayConfig({}).app.signIn).toBeUndefined();
    const config = loadGatewayConfig({ ...OIDC, GATEWAY_PORT: '9000' });
    expect(config.app.signIn).toEqual({
      issuer: 'https://idp.example.com',
      clientId: 'dcb-gateway',
      clientSecret: 'client-secret',
      groupsClaim: 'groups',
      publicUrl: 'http://localhost:9000',
      sessionSecret: { kind: 'dev-file', path: path.resolve('.data', 'dev-session-secret') },
    });
    expect(config.defaultedSettings).toEqual(expect.arrayContaining(['OIDC_GROUPS_CLAIM', 'GATEWAY_PUBLIC_URL', 'SESSION_SECRET']));
    expect(loadGatewayConfig({ ...OIDC, GATEWAY_PUBLIC_URL: 'https://cb.example.com/dcb/', OIDC_GROUPS_CLAIM: 'roles' }).app.signIn).toMatchObject({ publicUrl: 'https://cb.example.com/dcb', groupsClaim: 'roles' });
  });

  test('an issuer without its client, or production without SESSION_SECRET and GATEWAY_PUBLIC_URL, is a startup error naming each', () => {
    const missing = errorOf(() => loadGatewayConfig({ OIDC_ISSUER: 'https://idp.example.com' })).message;
    expect(missing).toContain('OIDC_CLIENT_ID');
    expect(missing).toContain('OIDC_CLIENT_SECRET');
    const production = errorOf(() => loadGatewayConfig({ ...PRODUCTION, ...OIDC })).message;
    expect(production).toContain('SESSION_SECRET');
    expect(production).toContain('openssl rand -base64 32');
    expect(production).toContain('GATEWAY_PUBLIC_URL');
    expect(errorOf(() => loadGatewayConfig({ ...PRODUCTION, ...OIDC, OIDC_ISSUER: 'http://idp.example.com', SESSION_SECRET: 'x'.repeat(44), GATEWAY_PUBLIC_URL: 'https://cb.example.com' })).message).toContain('https');
    expect(errorOf(() => loadGatewayConfig({ OIDC_ISSUER: 'not a url' })).message).toContain('OIDC_ISSUER');
    expect(loadGatewayConfig({ ...PRODUCTION, ...OIDC, SESSION_SECRET: 'x'.repeat(44), GATEWAY_PUBLIC_URL: 'https://cb.example.com' }).app.signIn?.sessionSecret).toEqual({ kind: 'env', value: 'x'.repeat(44) });
  });

  test('a session secret is at least 32 bytes, base64 or hex; the development one is generated once', async () => {
    expect((await loadSessionSecret({ kind: 'env', value: 'ab'.repeat(32) })).byteLength).toBe(32);
    expect((await loadSessionSecret({ kind: 'env', value: Buffer.alloc(48, 7).toString('base64') })).byteLength).toBe(48);
    const short = await loadSessionSecret({ kind: 'env', value: Buffer.alloc(16).toString('base64') }).catch((e: unknown) => e as ConfigError);
    expect(short).toBeInstanceOf(ConfigError);
    expect((short as ConfigError).message).toContain('SESSION_SECRET');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-session-'));
    const file = path.join(dir, 'dev-session-secret');
    const first = await loadSessionSecret({ kind: 'dev-file', path: file });
    expect(first.byteLength).toBe(32);
    expect(Buffer.from(await loadSessionSecret({ kind: 'dev-file', path: file })).equals(Buffer.from(first))).toBe(true);
    await fs.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  });
});

describe('connecting to a cluster or Temporal Cloud: Temporal\'s own environment configuration', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-envconfig-'));
    await fs.writeFile(path.join(dir, 'client.pem'), 'CERT');
    await fs.writeFile(path.join(dir, 'client.key'), 'KEY');
    await fs.writeFile(
      path.join(dir, 'temporal.toml'),
      ['[profile.cloud]', 'address = "my-ns.a1b2c.tmprl.cloud:7233"', 'namespace = "my-ns.a1b2c"', 'api_key = "from-profile"', ''].join('\n'),
    );
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  test('the TEMPORAL_* variables the temporal CLI reads: address, namespace, TLS files (read at startup), API key', () => {
    const config = loadGatewayConfig({
      TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'my-ns.a1b2c',
      TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'client.key'),
    });
    expect(config.temporal.namespace).toBe('my-ns.a1b2c');
    expect(config.temporal.connection.address).toBe('my-ns.a1b2c.tmprl.cloud:7233');
    const tls = config.temporal.connection.tls as { clientCertPair?: { crt: Uint8Array; key: Uint8Array } };
    expect(Buffer.from(tls.clientCertPair!.crt).toString()).toBe('CERT');
    expect(Buffer.from(tls.clientCertPair!.key).toString()).toBe('KEY');
    expect(loadWorkerConfig({ TEMPORAL_API_KEY: 'secret' }).temporal.connection).toMatchObject({ apiKey: 'secret', tls: true });
    expect(loadWorkerConfig({}).temporal.connection).toEqual({ address: 'localhost:7233' });
    expect(loadWorkerConfig({}).temporal.namespace).toBe('default');
  });

  test('a profile from the config file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE), with variables on top', () => {
    const env = { TEMPORAL_CONFIG_FILE: path.join(dir, 'temporal.toml'), TEMPORAL_PROFILE: 'cloud' };
    expect(loadWorkerConfig(env).temporal).toMatchObject({ namespace: 'my-ns.a1b2c', connection: { address: 'my-ns.a1b2c.tmprl.cloud:7233', apiKey: 'from-profile' } });
    expect(loadWorkerConfig({ ...env, TEMPORAL_NAMESPACE: 'other' }).temporal.namespace).toBe('other');
  });

  test('an unreadable certificate, or a variable under its old name, is a startup error that says what to set', () => {
    expect(errorOf(() => loadGatewayConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'missing.pem'), TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'client.key') })).message).toContain(
      'TEMPORAL_',
    );
    expect(errorOf(() => loadGatewayConfig({ TEMPORAL_TLS_CERT: '/certs/client.pem' })).message).toContain('TEMPORAL_TLS_CLIENT_CERT_PATH');
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
