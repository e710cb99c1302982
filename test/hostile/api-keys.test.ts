import { randomBytes } from 'node:crypto';
import { generateApiKey } from '../../api-keys';
import { postJson } from '../support/harness';
import { hostileSuite, type HostileCase, type HostileGateway } from '../support/hostile';
import type { RefusalCode } from '../support/refusals';

/** Wrong, missing and misused API keys on a callback that requires one. */

/** How a key is presented: in X-API-Key, as a bearer token, in the query string, or not at all. */
type Presented = 'x-api-key' | 'bearer' | 'query' | 'none';

/** The key to present, and any other secret (e.g. the real key it was made from) the refusal must not repeat. */
type KeyMaker = (g: HostileGateway) => Promise<string | { key: string; alsoSecret: string }> | string;

function keyCase(name: string, presented: Presented, make: KeyMaker, status: number, code: RefusalCode, headers: Record<string, string> = {}): HostileCase {
  return {
    name,
    status,
    code,
    async request(g) {
      const made = await make(g);
      const { key, alsoSecret } = typeof made === 'string' ? { key: made, alsoSecret: undefined } : made;
      const url = presented === 'query' ? `${g.keyed.url}?api_key=${encodeURIComponent(key)}` : g.keyed.url;
      const credential: Record<string, string> = presented === 'x-api-key' ? { 'x-api-key': key } : presented === 'bearer' ? { authorization: `Bearer ${key}` } : {};
      return { sent: await postJson(url, {}, { ...credential, ...headers }), secrets: [key, alsoSecret] };
    },
  };
}

const API_KEY_CASES: HostileCase[] = [
  keyCase('a revoked key', 'x-api-key', async (g) => {
    const { key, info } = await g.h.apiKeys.create({ name: 'hostile-revoked', scopes: ['workflows:execute'] });
    await g.h.apiKeys.revoke(info.id);
    return key;
  }, 401, 'API_KEY_REVOKED'),
  keyCase('an expired key', 'bearer', async (g) => (await g.h.apiKeys.create({ name: 'hostile-expired', scopes: ['workflows:execute'], expiresAt: new Date(Date.now() - 1_000) })).key, 401, 'API_KEY_EXPIRED'),
  keyCase('a key without the workflows:execute scope', 'x-api-key', async (g) => (await g.h.apiKeys.create({ name: 'hostile-reader', scopes: ['workflows:read'] })).key, 403, 'API_KEY_FORBIDDEN'),
  keyCase('a well-formed key of another installation (unknown to this store)', 'x-api-key', () => generateApiKey().key, 401, 'API_KEY_INVALID'),
  keyCase('a known key id with a wrong secret, in the query string', 'query', async (g) => {
    const { key } = await g.h.apiKeys.create({ name: 'hostile-wrong-secret', scopes: ['workflows:execute'] });
    return { key: `${key.slice(0, key.lastIndexOf('_') + 1)}${randomBytes(32).toString('base64url')}`, alsoSecret: key };
  }, 401, 'API_KEY_INVALID'),
  keyCase('no key at all', 'none', () => '', 401, 'API_KEY_MISSING'),
  keyCase('a bearer value that is not in the key format', 'bearer', () => "' OR 1=1 --", 401, 'API_KEY_INVALID'),
  keyCase('a wrong key asking for a synchronous answer (an update)', 'x-api-key', () => generateApiKey().key, 401, 'API_KEY_INVALID', { prefer: 'wait=5' }),
];

hostileSuite('API keys', (g) => {
  test.each(API_KEY_CASES)('$name', (c) => g.run(c));
});
