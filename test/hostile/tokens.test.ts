import { createPublicKey, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CompactEncrypt, base64url, exportJWK, generateKeyPair } from 'jose';
import { createGateway } from '../../callback-gateway';
import { loadKeyRing, readKeyRingFile } from '../../keys/key-ring';
import { addEncryptionKey, addSigningKey, exportGatewayRing } from '../../cli/key-ring-file';
import { createCallbackTokenMinter } from '../../tokens/mint-callback-token';
import { createCallbackTokenVerifier } from '../../tokens/verify-callback-token';
import { postJson, TEST_TOKEN_IDENTITY } from '../support/harness';
import { hostileSuite, postToken, type HostileCase, type HostileGateway } from '../support/hostile';
import { listen, type Listening } from '../support/listen';
import { decodeSegment, encodeSegment, jwtClaimsFor, mintFor, nowSeconds, signCompact, unsignedToken, type WaitingCallback } from '../support/tokens';

/** Forged and altered callback tokens, at the gateway's own HS256 key and at a gateway verifying with an EdDSA key ring. */

/** A case whose token (from `make`) must be refused as invalid. */
function invalid(name: string, make: (g: HostileGateway) => Promise<string> | string, init?: Parameters<typeof postToken>[1]): HostileCase {
  return { name, request: postToken(make, init), status: 401, code: 'CALLBACK_TOKEN_INVALID' };
}

const TOKEN_CASES: HostileCase[] = [
  invalid("alg 'none' with the right typ and kid", async (g) => unsignedToken(await g.forge())),
  {
    name: "alg 'none' asking for a synchronous answer (an update) is refused the same",
    request: async (g) => {
      const token = unsignedToken(await g.forge());
      return { sent: await postJson(g.url(token), { forged: true }, { prefer: 'wait=5' }), secrets: [token] };
    },
    status: 401,
    code: 'CALLBACK_TOKEN_INVALID',
  },
  invalid('an unknown kid', (g) => g.forge({ header: { kid: 'rotated-away' } })),
  invalid('a kid with path characters (../../etc/passwd)', (g) => g.forge({ header: { kid: '../../etc/passwd' } })),
  invalid('a kid that is a URL', (g) => g.forge({ header: { kid: 'https://attacker.example/jwks.json' } })),
  invalid('no kid at all', (g) => g.forge({ header: { kid: undefined } })),
  {
    name: 'an expired token',
    request: postToken((g) => g.forge({ claims: { iat: nowSeconds() - 3600, exp: nowSeconds() - 120 } })),
    status: 401,
    code: 'CALLBACK_TOKEN_EXPIRED',
  },
  {
    name: 'an expired token asking for a synchronous answer (?wait=5)',
    request: postToken((g) => g.forge({ claims: { iat: nowSeconds() - 3600, exp: nowSeconds() - 120 } }), { query: '?wait=5' }),
    status: 401,
    code: 'CALLBACK_TOKEN_EXPIRED',
  },
  invalid('a token not yet valid (nbf ten minutes ahead)', (g) => g.forge({ claims: { nbf: nowSeconds() + 600 } })),
  invalid('a wrong audience', (g) => g.forge({ claims: { aud: 'some-other-gateway' } })),
  invalid('a wrong issuer', (g) => g.forge({ claims: { iss: 'some-other-installation' } })),
  invalid("a wrong typ (a plain 'JWT' from the same key)", (g) => g.forge({ header: { typ: 'JWT' } })),
  invalid('no typ at all', (g) => g.forge({ header: { typ: undefined } })),
  invalid('a crit header naming an extension the gateway does not implement', (g) =>
    signCompact(g.h.signingKey, { alg: 'HS256', typ: 'dcb+jwt', kid: 'default', crit: ['urn:attacker:skip-checks'], 'urn:attacker:skip-checks': true }, jwtClaimsFor(g.plain)),
  ),
  invalid('a token without its jti (which callback) claim', (g) => g.forge({ claims: { jti: undefined } })),
  invalid('a truncated token: header and payload only', (g) => g.plain.token.split('.').slice(0, 2).join('.')),
  invalid('a truncated token: the signature cut short', (g) => g.plain.token.slice(0, -6)),
  invalid('a valid token with an extra segment appended', (g) => `${g.plain.token}.${g.plain.token.split('.')[2]}`),
  invalid('a valid token padded to five segments (posing as a JWE)', (g) => `${g.plain.token}.AAAA.BBBB`),
  invalid('a re-encoded payload (requiring no key, allowing GET) with the original signature', (g) => {
    const [header, payload, signature] = g.plain.token.split('.');
    return `${header}.${encodeSegment({ ...decodeSegment(payload!), get: true, exp: nowSeconds() + 86_400 })}.${signature}`;
  }),
  invalid('the same claims, merely re-serialized with different whitespace, with the original signature', (g) => {
    const [header, payload, signature] = g.plain.token.split('.');
    return `${header}.${base64url.encode(new TextEncoder().encode(JSON.stringify(decodeSegment(payload!), null, 1)))}.${signature}`;
  }),
  invalid('a token for another namespace', (g) => g.forge({ claims: { ns: 'production' } })),
  invalid('a token signed with another secret', (g) => g.forge({ key: randomBytes(32) })),
  invalid('a validly signed token of 10 KB', async (g) => {
    const token = await g.forge({ claims: { pad: 'x'.repeat(7_600) } });
    expect(token.length).toBeGreaterThan(10_000);
    return token;
  }),
  { name: 'a valid token with a NUL byte (%00) appended', request: (g) => postJson(g.url(`${g.plain.token}%00`), {}), status: 401, code: 'CALLBACK_TOKEN_INVALID' },
  ...['%0c', '%20', '%0a', '%09'].map(
    (escape): HostileCase => ({
      name: `a valid token with whitespace (${escape}) appended, which base64 decoders skip, is refused`,
      request: (g) => postJson(g.url(`${g.plain.token}${escape}`), {}),
      status: 401,
      code: 'CALLBACK_TOKEN_INVALID',
    }),
  ),
  // Express's router cannot decode the parameter (URIError): a malformed token, never a 500.
  {
    name: 'a valid token with an invalid percent-escape (%ff) appended is refused as a malformed token, not a 500',
    request: (g) => postJson(g.url(`${g.plain.token}%ff`), {}),
    status: 401,
    code: 'CALLBACK_TOKEN_INVALID',
    or: { status: 400, code: 'MALFORMED_REQUEST' },
  },
  {
    name: 'a valid API key does not rescue a forged token',
    request: async (g) => {
      const { key } = await g.h.apiKeys.create({ name: 'hostile-rescue', scopes: ['workflows:execute'] });
      const token = await g.forge({ key: randomBytes(32), claims: { akr: true } });
      return { sent: await postJson(g.url(token), {}, { 'x-api-key': key }), secrets: [token, key] };
    },
    status: 401,
    code: 'CALLBACK_TOKEN_INVALID',
  },
];

hostileSuite('forged and altered tokens', (g) => {
  test('baseline: an unaltered forged token verifies, so each refusal below is due to its one change', async () => {
    const verifier = createCallbackTokenVerifier(g.h.signingKey, { ...TEST_TOKEN_IDENTITY, namespace: 'default' });
    expect(await verifier.verify(await g.forge())).toMatchObject({ workflowId: g.plain.handle.workflowId, callbackId: g.plain.callbackId });
  });

  test.each(TOKEN_CASES)('$name', (c) => g.run(c));

  describe('a gateway verifying with an EdDSA key ring', () => {
    const ED_KID = 'ed-hostile';
    const ENC_KID = 'enc-hostile';
    let dir: string;
    let ringGateway: Listening;
    let publicJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
    let encryptionSecret: Uint8Array;
    /** A properly EdDSA-signed token for `plain`: what only the worker can make. */
    let genuine: string;
    let control: WaitingCallback;
    let controlToken: string;

    beforeAll(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-hostile-ring-'));
      const workerRingFile = path.join(dir, 'worker-ring.json');
      const gatewayRingFile = path.join(dir, 'gateway-ring.json');
      await addSigningKey(workerRingFile, { alg: 'EdDSA', kid: ED_KID });
      await addEncryptionKey(workerRingFile, { kid: ENC_KID });
      await exportGatewayRing(workerRingFile, gatewayRingFile);
      const file = await readKeyRingFile(gatewayRingFile);
      publicJwk = (file.keys[0] as { publicJwk: typeof publicJwk }).publicJwk;
      encryptionSecret = base64url.decode(file.encryption!.keys[0]!.secret);
      const gatewayRing = await loadKeyRing({ kind: 'ring-file', path: gatewayRingFile });
      ringGateway = await listen(
        createGateway({ client: g.h.client, verifier: createCallbackTokenVerifier(gatewayRing, { ...TEST_TOKEN_IDENTITY, namespace: 'default' }), apiKeys: g.h.apiKeys }),
      );
      const workerMinter = createCallbackTokenMinter(await loadKeyRing({ kind: 'ring-file', path: workerRingFile }), TEST_TOKEN_IDENTITY);
      genuine = await mintFor(workerMinter, g.plain);
      control = await g.waiting({});
      controlToken = await mintFor(workerMinter, control);
    });
    afterEach(async () => {
      expect((await fetch(`${ringGateway.url}/healthz`)).status).toBe(200);
    });
    afterAll(async () => {
      await ringGateway?.close();
      await fs.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    });

    /** A case whose token (from `make`) the ring gateway must refuse as invalid. */
    function ringInvalid(name: string, make: () => Promise<string> | string): HostileCase {
      return {
        name,
        request: async () => {
          const token = await make();
          return { sent: await postJson(`${ringGateway.url}/callbacks/${token}`, { forged: true }), secrets: [token, genuine] };
        },
        status: 401,
        code: 'CALLBACK_TOKEN_INVALID',
      };
    }

    /** The EdDSA public key as an attacker might pass it for an HMAC secret. */
    const publicKeyAs: Record<string, () => Uint8Array> = {
      'raw bytes': () => base64url.decode(publicJwk.x),
      'base64url text': () => new TextEncoder().encode(publicJwk.x),
      'JWK JSON': () => new TextEncoder().encode(JSON.stringify(publicJwk)),
      PEM: () => new TextEncoder().encode(createPublicKey({ key: publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string),
    };

    const RING_CASES: HostileCase[] = [
      ...Object.entries(publicKeyAs).map(([form, secret]) =>
        ringInvalid(`algorithm confusion: HS256 "signed" with the EdDSA public key (${form})`, () => g.forge({ header: { alg: 'HS256', kid: ED_KID }, key: secret() })),
      ),
      ringInvalid("alg 'none' naming the EdDSA key", () => unsignedToken(genuine, ED_KID)),
      ringInvalid("an attacker's own Ed25519 key, embedded in the header as jwk, under the ring's kid", async () => {
        const attacker = await generateKeyPair('EdDSA');
        return g.forge({ header: { alg: 'EdDSA', kid: ED_KID, jwk: await exportJWK(attacker.publicKey) }, key: attacker.privateKey });
      }),
      ringInvalid('a JWE encrypted with a wrong key (wrapping a genuinely signed token)', () =>
        new CompactEncrypt(new TextEncoder().encode(genuine)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'JWT', kid: ENC_KID }).encrypt(randomBytes(32)),
      ),
      ringInvalid('a JWE encrypted with the right key but wrapping an unsigned token', () =>
        new CompactEncrypt(new TextEncoder().encode(unsignedToken(genuine, ED_KID))).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'JWT', kid: ENC_KID }).encrypt(encryptionSecret),
      ),
      ringInvalid('a JWE with the right key but another key-management algorithm (A256KW)', () =>
        new CompactEncrypt(new TextEncoder().encode(genuine)).setProtectedHeader({ alg: 'A256KW', enc: 'A256GCM', cty: 'JWT', kid: ENC_KID }).encrypt(encryptionSecret),
      ),
    ];

    test.each(RING_CASES)('$name', (c) => g.run(c));

    test('control: the same ring gateway delivers a genuinely EdDSA-signed token', async () => {
      const response = await postJson(`${ringGateway.url}/callbacks/${controlToken}`, { genuine: true });
      expect(response.status).toBe(202);
      expect(await control.handle.result()).toMatchObject({ status: 'received', data: { genuine: true } });
    });
  });
});
