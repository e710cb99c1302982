import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, base64url } from 'jose';
import type { CallbackClaims } from '../tokens/callback-token';
import { importKeyRing, loadKeyRing, readKeyRingFile } from '../keys/key-ring';
import { addEncryptionKey, addSigningKey, activateKey, exportGatewayRing, retireKey, setTokenFormat } from '../cli/key-ring-file';
import { createCallbackTokenMinter } from '../tokens/mint-callback-token';
import { createCallbackTokenVerifier } from '../tokens/verify-callback-token';
import { codeOf } from './support/codes';

const identity = { issuer: 'iss-test', audience: 'aud-test' };
const claims: CallbackClaims = {
  namespace: 'default',
  workflowId: 'wf-secret-name',
  callbackId: 'cb-1',
  expiresAt: new Date(Date.now() + 60 * 60_000),
  requiresApiKey: false,
  allowGet: false,
};

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-ring-'));
  file = path.join(dir, 'key-ring.json');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

async function ringTools(ringFile: string) {
  const ring = await loadKeyRing({ kind: 'ring-file', path: ringFile });
  return { ring, verifier: createCallbackTokenVerifier(ring, { ...identity, namespace: 'default' }) };
}

function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[0]!))) as Record<string, unknown>;
}

describe('a key ring', () => {
  test('tokens name their key by kid; rotating leaves outstanding URLs working; retiring kills exactly those of the retired key', async () => {
    const oldKid = await addSigningKey(file, { alg: 'HS256', kid: 'old' });
    const before = createCallbackTokenMinter((await ringTools(file)).ring, identity);
    const oldToken = await before.mint(claims);
    expect(headerOf(oldToken).kid).toBe(oldKid);

    await addSigningKey(file, { alg: 'EdDSA', kid: 'new', activate: true });
    const after = await ringTools(file);
    const newToken = await createCallbackTokenMinter(after.ring, identity).mint(claims);
    expect(headerOf(newToken)).toMatchObject({ kid: 'new', alg: 'EdDSA' });
    expect((await after.verifier.verify(oldToken)).workflowId).toBe('wf-secret-name');
    expect((await after.verifier.verify(newToken)).workflowId).toBe('wf-secret-name');

    await retireKey(file, 'old');
    const retired = await ringTools(file);
    expect(await codeOf(retired.verifier.verify(oldToken))).toBe('CALLBACK_TOKEN_INVALID');
    expect((await retired.verifier.verify(newToken)).callbackId).toBe('cb-1');
  });

  test('the active key cannot be retired', async () => {
    await addSigningKey(file, { alg: 'EdDSA', kid: 'only' });
    await expect(retireKey(file, 'only')).rejects.toThrow(/active/);
    await addSigningKey(file, { alg: 'EdDSA', kid: 'next' });
    await activateKey(file, 'next');
    await retireKey(file, 'only');
    expect((await readKeyRingFile(file)).keys.map((key) => key.kid)).toEqual(['next']);
  });

  test("a gateway's EdDSA ring verifies but cannot mint", async () => {
    await addSigningKey(file, { alg: 'EdDSA', kid: 'ed' });
    const gatewayFile = path.join(dir, 'gateway-ring.json');
    await exportGatewayRing(file, gatewayFile);
    expect(await fs.readFile(gatewayFile, 'utf8')).not.toContain('"d"');
    const gateway = await ringTools(gatewayFile);
    expect(() => createCallbackTokenMinter(gateway.ring, identity)).toThrow(/cannot mint/);
    const token = await createCallbackTokenMinter((await ringTools(file)).ring, identity).mint(claims);
    expect((await gateway.verifier.verify(token)).workflowId).toBe('wf-secret-name');
  });

  test('algorithm confusion: an HS256 token keyed with the EdDSA public key is refused', async () => {
    await addSigningKey(file, { alg: 'EdDSA', kid: 'ed' });
    const ringFile = await readKeyRingFile(file);
    const publicX = (ringFile.keys[0] as { publicJwk: { x: string } }).publicJwk.x;
    const { verifier } = await ringTools(file);
    for (const secret of [base64url.decode(publicX), new TextEncoder().encode(publicX)]) {
      const forged = await new SignJWT({ ns: 'default' })
        .setProtectedHeader({ alg: 'HS256', typ: 'dcb+jwt', kid: 'ed' })
        .setIssuer(identity.issuer)
        .setAudience(identity.audience)
        .setSubject('wf')
        .setJti('cb')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(secret);
      expect(await codeOf(verifier.verify(forged))).toBe('CALLBACK_TOKEN_INVALID');
    }
  });

  test('an unknown kid, a kid with path characters and a missing kid are refused', async () => {
    await addSigningKey(file, { alg: 'HS256', kid: 'hs' });
    const { ring, verifier } = await ringTools(file);
    const key = ring.signing.get('hs')!.signKey!;
    for (const kid of ['nope', '../../etc/passwd', 'https://evil.example/key', undefined]) {
      const token = await new SignJWT({ ns: 'default' })
        .setProtectedHeader({ alg: 'HS256', typ: 'dcb+jwt', ...(kid === undefined ? {} : { kid }) })
        .setIssuer(identity.issuer)
        .setAudience(identity.audience)
        .setSubject('wf')
        .setJti('cb')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(key);
      expect(await codeOf(verifier.verify(token))).toBe('CALLBACK_TOKEN_INVALID');
    }
  });
});

describe('opaque URLs', () => {
  test('a jwe ring mints tokens that reveal nothing, and verify to the same claims', async () => {
    await addSigningKey(file, { alg: 'EdDSA', kid: 'ed' });
    await addEncryptionKey(file, { kid: 'enc' });
    await setTokenFormat(file, 'jwe');
    const { ring, verifier } = await ringTools(file);
    const token = await createCallbackTokenMinter(ring, identity).mint(claims);
    expect(token.split('.')).toHaveLength(5);
    expect(headerOf(token)).toEqual({ alg: 'dir', enc: 'A256GCM', cty: 'JWT', kid: 'enc' });
    const readable = token
      .split('.')
      .map((part) => {
        try {
          return new TextDecoder().decode(base64url.decode(part));
        } catch {
          return '';
        }
      })
      .join(' ');
    expect(readable).not.toContain('wf-secret-name');
    expect(await verifier.verify(token)).toMatchObject({ workflowId: 'wf-secret-name', callbackId: 'cb-1' });
  });

  test('a tampered opaque token is refused', async () => {
    await addSigningKey(file, { alg: 'HS256', kid: 'hs' });
    await addEncryptionKey(file, { kid: 'enc' });
    await setTokenFormat(file, 'jwe');
    const { ring, verifier } = await ringTools(file);
    const parts = (await createCallbackTokenMinter(ring, identity).mint(claims)).split('.');
    const cipher = parts[3]!;
    parts[3] = (cipher.startsWith('A') ? 'B' : 'A') + cipher.slice(1);
    expect(await codeOf(verifier.verify(parts.join('.')))).toBe('CALLBACK_TOKEN_INVALID');
  });
});

describe('ring files', () => {
  test('a secret shorter than 256 bits, a duplicate kid or an unknown active key is a startup error', async () => {
    const short = { version: 1 as const, format: 'jws' as const, keys: [{ kid: 'a', alg: 'HS256' as const, secret: 'c2hvcnQ' }] };
    await expect(importKeyRing(short, 'test')).rejects.toThrow(/at least 32 bytes/);
    const long = 'A'.repeat(43);
    const dup = { ...short, keys: [short.keys[0]!, short.keys[0]!].map((key) => ({ ...key, secret: long })) };
    await expect(importKeyRing(dup, 'test')).rejects.toThrow(/twice/);
    await expect(importKeyRing({ ...short, keys: [{ ...short.keys[0]!, secret: long }], activeKid: 'zzz' }, 'test')).rejects.toThrow(/activeKid/);
  });
});
