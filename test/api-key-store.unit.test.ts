import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileApiKeyStore, parseApiKey } from '../api-keys';
import { codeOf } from './support/codes';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-keys-'));
  file = path.join(dir, 'keys', 'api-keys.json');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

describe('API keys', () => {
  test('a created key has the dcb_<id>_<secret> form and verifies with its scope', async () => {
    const store = new FileApiKeyStore(file);
    const { key, info } = await store.create({ name: 'ticketing', scopes: ['workflows:execute'] });
    expect(key).toMatch(/^dcb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(key)?.id).toBe(info.id);
    expect(await store.verify(key, 'workflows:execute')).toMatchObject({ id: info.id, name: 'ticketing' });
    await store.flushUsage();
  });

  test('the file holds only a hash, is private to its owner, and list() shows no hash', async () => {
    const store = new FileApiKeyStore(file);
    const { key } = await store.create({ name: 'ticketing', scopes: ['workflows:execute'] });
    const text = await fs.readFile(file, 'utf8');
    expect(text).not.toContain(parseApiKey(key)!.secret);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(await store.list())).not.toContain('hash');
  });

  test('a wrong secret, an unknown id and a malformed key are all just invalid', async () => {
    const store = new FileApiKeyStore(file);
    const { key } = await store.create({ name: 'a', scopes: ['workflows:execute'] });
    const wrongSecret = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await codeOf(store.verify(wrongSecret, 'workflows:execute'))).toBe('API_KEY_INVALID');
    expect(await codeOf(store.verify(`dcb_0000000000000000_${'A'.repeat(43)}`, 'workflows:execute'))).toBe('API_KEY_INVALID');
    expect(await codeOf(store.verify('not-a-key', 'workflows:execute'))).toBe('API_KEY_INVALID');
  });

  test('a key without the scope is forbidden', async () => {
    const store = new FileApiKeyStore(file);
    const { key } = await store.create({ name: 'reader', scopes: ['workflows:read'] });
    expect(await codeOf(store.verify(key, 'workflows:execute'))).toBe('API_KEY_FORBIDDEN');
  });

  test('an expired key is refused', async () => {
    const store = new FileApiKeyStore(file);
    const { key } = await store.create({ name: 'old', scopes: ['workflows:execute'], expiresAt: new Date(Date.now() - 1000) });
    expect(await codeOf(store.verify(key, 'workflows:execute'))).toBe('API_KEY_EXPIRED');
  });

  test('revoking through one store instance is seen at once by another reading the same file', async () => {
    const cli = new FileApiKeyStore(file);
    const gateway = new FileApiKeyStore(file);
    const { key, info } = await cli.create({ name: 'ticketing', scopes: ['workflows:execute'] });
    await gateway.verify(key, 'workflows:execute');
    await gateway.flushUsage();
    expect(await cli.revoke(info.id)).toBe(true);
    expect(await codeOf(gateway.verify(key, 'workflows:execute'))).toBe('API_KEY_REVOKED');
    expect(await cli.revoke('0000000000000000')).toBe(false);
  });

  test('a missing file means no keys', async () => {
    const store = new FileApiKeyStore(file);
    expect(await store.list()).toEqual([]);
    expect(await codeOf(store.verify('dcb_0000000000000000_' + 'A'.repeat(43), 'workflows:execute'))).toBe('API_KEY_INVALID');
  });
});

describe('last use', () => {
  test('is recorded beside the key file, never in it, and shown by list()', async () => {
    const store = new FileApiKeyStore(file);
    const { key, info } = await store.create({ name: 'ticketing', scopes: ['workflows:execute'] });
    const before = await fs.readFile(file, 'utf8');
    await store.verify(key, 'workflows:execute');
    await store.flushUsage();
    expect(await fs.readFile(file, 'utf8')).toBe(before);
    const [listed] = await store.list();
    expect(listed).toMatchObject({ id: info.id });
    expect(Date.parse(listed!.lastUsedAt!)).toBeGreaterThan(Date.now() - 60_000);
  });
});
