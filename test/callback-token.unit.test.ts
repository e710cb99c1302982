import { randomBytes } from 'node:crypto';
import { SignJWT, UnsecuredJWT, base64url, type CryptoKey } from 'jose';
import { importSigningKey, MAX_TOKEN_LENGTH, type CallbackClaims } from '../tokens/callback-token';
import { createCallbackTokenMinter } from '../tokens/mint-callback-token';
import { createCallbackTokenVerifier, tokenRefusalOf } from '../tokens/verify-callback-token';
import { codeOf } from './support/codes';

const identity = { issuer: 'iss-test', audience: 'aud-test' };
const claims: CallbackClaims = {
  namespace: 'default',
  workflowId: 'wf-1',
  callbackId: 'cb-1',
  expiresAt: new Date(Date.now() + 60 * 60_000),
  requiresApiKey: true,
  allowGet: false,
};

/** A token signed by hand with `key`, for workflow wf-1's callback cb-1, valid an hour: what the minter would not make. */
function handMadeToken(key: CryptoKey, payload: Record<string, unknown>, header: { alg: string; typ: string; kid?: string }): Promise<string> {
  return new SignJWT(payload).setProtectedHeader(header).setIssuer(identity.issuer).setAudience(identity.audience).setSubject('wf-1').setJti('cb-1').setIssuedAt().setExpirationTime('1h').sign(key);
}

async function setup() {
  const key = await importSigningKey(randomBytes(32));
  return {
    key,
    minter: createCallbackTokenMinter(key, identity),
    verifier: createCallbackTokenVerifier(key, { ...identity, namespace: 'default' }),
  };
}

describe('callback tokens', () => {
  test('a minted token verifies to the same claims', async () => {
    const { minter, verifier } = await setup();
    const verified = await verifier.verify(await minter.mint(claims));
    expect(verified).toEqual({ ...claims, expiresAt: new Date(Math.floor(claims.expiresAt.getTime() / 1000) * 1000) });
  });

  test("a reissued link's generation travels as lnk and verifies back; the first link carries none, and a generation of 0 or below is refused", async () => {
    const { key, minter, verifier } = await setup();
    const reissued = await minter.mint({ ...claims, link: 3 });
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(reissued.split('.')[1]!))) as Record<string, unknown>;
    expect(payload.lnk).toBe(3);
    expect((await verifier.verify(reissued)).link).toBe(3);
    const first = await minter.mint(claims);
    expect(JSON.parse(new TextDecoder().decode(base64url.decode(first.split('.')[1]!)))).not.toHaveProperty('lnk');
    expect(await verifier.verify(first)).not.toHaveProperty('link');
    const zero = await handMadeToken(key, { ns: 'default', lnk: 0 }, { alg: 'HS256', typ: 'dcb+jwt', kid: 'default' });
    const refused = await verifier.verify(zero).catch((err: unknown) => err);
    expect(tokenRefusalOf(refused)).toEqual({ reason: 'claims', kid: 'default' });
  });

  test('a tampered payload is refused', async () => {
    const { minter, verifier } = await setup();
    const [header, payload, signature] = (await minter.mint(claims)).split('.') as [string, string, string];
    const altered = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
    altered.sub = 'someone-elses-workflow';
    const forged = `${header}.${base64url.encode(JSON.stringify(altered))}.${signature}`;
    expect(await codeOf(verifier.verify(forged))).toBe('CALLBACK_TOKEN_INVALID');
  });

  test('an expired token is refused as expired', async () => {
    const { minter, verifier } = await setup();
    const token = await minter.mint({ ...claims, expiresAt: new Date(Date.now() - 5 * 60_000) });
    expect(await codeOf(verifier.verify(token))).toBe('CALLBACK_TOKEN_EXPIRED');
  });

  test('a token from another key is refused', async () => {
    const { verifier } = await setup();
    const other = await setup();
    expect(await codeOf(verifier.verify(await other.minter.mint(claims)))).toBe('CALLBACK_TOKEN_INVALID');
  });

  test('a token for another audience or issuer is refused', async () => {
    const { key, verifier } = await setup();
    const otherAudience = createCallbackTokenMinter(key, { ...identity, audience: 'someone-else' });
    const otherIssuer = createCallbackTokenMinter(key, { ...identity, issuer: 'someone-else' });
    expect(await codeOf(verifier.verify(await otherAudience.mint(claims)))).toBe('CALLBACK_TOKEN_INVALID');
    expect(await codeOf(verifier.verify(await otherIssuer.mint(claims)))).toBe('CALLBACK_TOKEN_INVALID');
  });

  test('a token for another namespace is refused', async () => {
    const { minter, verifier } = await setup();
    expect(await codeOf(verifier.verify(await minter.mint({ ...claims, namespace: 'payments' })))).toBe('CALLBACK_TOKEN_INVALID');
  });

  test('an unsigned token (alg: none) is refused', async () => {
    const { verifier } = await setup();
    const unsigned = new UnsecuredJWT({ ns: 'default' })
      .setIssuer(identity.issuer)
      .setAudience(identity.audience)
      .setSubject('wf-1')
      .setJti('cb-1')
      .setIssuedAt()
      .setExpirationTime('1h')
      .encode();
    expect(await codeOf(verifier.verify(unsigned))).toBe('CALLBACK_TOKEN_INVALID');
  });

  test('a JWT from the same key but without the callback typ is refused', async () => {
    const { key, verifier } = await setup();
    const token = await handMadeToken(key, { ns: 'default' }, { alg: 'HS256', typ: 'JWT' });
    expect(await codeOf(verifier.verify(token))).toBe('CALLBACK_TOKEN_INVALID');
  });

  test('garbage, empty and oversized tokens are refused without throwing anything else', async () => {
    const { verifier } = await setup();
    for (const token of ['', 'abc', 'a.b.c', '...', 'x'.repeat(MAX_TOKEN_LENGTH + 1)]) {
      expect(await codeOf(verifier.verify(token))).toBe('CALLBACK_TOKEN_INVALID');
    }
  });
});
