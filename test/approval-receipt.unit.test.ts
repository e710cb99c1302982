import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { generateReceiptKey, loadPublishedReceiptKeys, loadReceiptKeyRing, type PublishedReceiptKeys, type ReceiptAlgorithm, type ReceiptKeyRing } from '../keys/receipt-keys';
import { signApprovalReceipt, verifyApprovalReceipt } from '../tokens/approval-receipt';
import { APPROVAL_RECEIPT_TYPE } from '../protocol/approval-messages';
import { loadWorkerConfig } from '../worker/config';
import { loadGatewayConfig } from '../callback-gateway/config';
import { ConfigError } from '../config/config-error';
import { codeOf } from './support/codes';
import { approvalRecord } from './support/approval-records';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-receipts-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

/** A key file of one new key of `alg`, loaded as a worker loads it. */
async function ringOf(alg: ReceiptAlgorithm): Promise<ReceiptKeyRing> {
  const file = path.join(dir, `${alg}-${Math.random().toString(36).slice(2)}.json`);
  await fs.writeFile(file, JSON.stringify(await generateReceiptKey(alg)));
  return loadReceiptKeyRing({ kind: 'key-file', path: file });
}

/**
 * Single-character changes of `jws`, at every position: the characters whose 6-bit value differs
 * in the lowest bit, in the highest bit and by one, and a dot; at the last character of each
 * segment, whose low bits decoders ignore, every other character. (Every change at every position
 * is about 60,000 verifications a key: a minute, for no more coverage than the low and high bits.)
 */
function* alterations(jws: string): Generator<string> {
  const lastOfSegment = new Set([...jws.matchAll(/[^.](?=\.|$)/g)].map((match) => match.index));
  for (let at = 0; at < jws.length; at++) {
    const value = ALPHABET.indexOf(jws[at]!);
    const replacements = lastOfSegment.has(at) ? `${ALPHABET}.` : value < 0 ? 'A' : `${ALPHABET[value ^ 1]}${ALPHABET[value ^ 32]}${ALPHABET[(value + 1) % 64]}.`;
    for (const replacement of replacements) if (replacement !== jws[at]) yield `${jws.slice(0, at)}${replacement}${jws.slice(at + 1)}`;
  }
}

describe.each<ReceiptAlgorithm>(['EdDSA', 'ES256'])('an approval receipt signed with %s', (alg) => {
  let ring: ReceiptKeyRing;
  let keys: PublishedReceiptKeys;
  beforeAll(async () => {
    ring = await ringOf(alg);
    keys = ring.published;
  });

  test('verifies against the published keys and gives back exactly the record that was signed', async () => {
    const record = approvalRecord('wf-1');
    const { receipt, kid } = await signApprovalReceipt(record, ring.active, 'durable-callbacks-test');
    expect(kid).toBe(ring.active.kid);
    const verified = await verifyApprovalReceipt(receipt, keys, { issuer: 'durable-callbacks-test' });
    expect(verified.record).toEqual(record);
    expect(verified).toMatchObject({ kid, alg, issuer: 'durable-callbacks-test' });
    expect(Math.abs(verified.issuedAt.getTime() - Date.now())).toBeLessThan(5_000);
    const header = JSON.parse(Buffer.from(receipt.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
    expect(header).toEqual({ alg, typ: APPROVAL_RECEIPT_TYPE, kid });
    // Named by its RFC 7638 thumbprint; the published key is public only.
    expect(kid).toBe(await calculateJwkThumbprint(keys.keys[0]!));
    expect(JSON.stringify(keys)).not.toContain('"d"');
  });

  test('fails for every single-character change anywhere in the compact JWS', async () => {
    const { receipt } = await signApprovalReceipt(approvalRecord('wf-2'), ring.active, 'durable-callbacks-test');
    const accepted: string[] = [];
    const codes = new Set<string | undefined>();
    for (const altered of alterations(receipt)) {
      const code = await codeOf(verifyApprovalReceipt(altered, keys));
      codes.add(code);
      if (code === undefined) accepted.push(altered);
    }
    expect(accepted).toEqual([]);
    expect([...codes].sort()).toEqual(expect.arrayContaining(['RECEIPT_MALFORMED', 'RECEIPT_SIGNATURE_INVALID']));
    expect(codes.has(undefined)).toBe(false);
  });

  test('a changed signature, payload or header fails with the code that says why', async () => {
    const { receipt } = await signApprovalReceipt(approvalRecord('wf-3'), ring.active, 'durable-callbacks-test');
    const [header, payload, signature] = receipt.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { approval: { outcome: string } };
    claims.approval.outcome = 'rejected';
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    expect(await codeOf(verifyApprovalReceipt(forged, keys))).toBe('RECEIPT_SIGNATURE_INVALID');
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    expect(await codeOf(verifyApprovalReceipt(`${header}.${payload}.${flipped}`, keys))).toBe('RECEIPT_SIGNATURE_INVALID');
    expect(await codeOf(verifyApprovalReceipt('not a receipt', keys))).toBe('RECEIPT_MALFORMED');
    expect(await codeOf(verifyApprovalReceipt(receipt, keys, { issuer: 'someone-else' }))).toBe('RECEIPT_MALFORMED');
  });
});

describe('keys', () => {
  test('a receipt signed with a key that is not published fails with RECEIPT_KEY_UNKNOWN', async () => {
    const published = await ringOf('EdDSA');
    const other = await ringOf('EdDSA');
    const { receipt } = await signApprovalReceipt(approvalRecord('wf-4'), other.active, 'durable-callbacks-test');
    expect(await codeOf(verifyApprovalReceipt(receipt, published.published))).toBe('RECEIPT_KEY_UNKNOWN');
    // An ES256 receipt against EdDSA keys, too: keys are found by kid, never guessed.
    const es = await ringOf('ES256');
    expect(await codeOf(verifyApprovalReceipt((await signApprovalReceipt(approvalRecord('wf-4'), es.active, 'x')).receipt, published.published))).toBe('RECEIPT_KEY_UNKNOWN');
  });

  test('a key file with an old key and an active one signs with the active one and publishes both', async () => {
    const old = await generateReceiptKey('EdDSA');
    const current = await generateReceiptKey('ES256');
    const { d: _d, ...oldPublic } = old;
    const file = path.join(dir, 'rotated.json');
    await fs.writeFile(file, JSON.stringify({ activeKid: current.kid, keys: [oldPublic, current] }));
    const ring = await loadReceiptKeyRing({ kind: 'key-file', path: file });
    expect(ring.active).toMatchObject({ kid: current.kid, alg: 'ES256' });
    expect(ring.published.keys.map((key) => key.kid)).toEqual([old.kid, current.kid]);
    // A receipt signed with the retired key still verifies against what is published.
    const oldRing = await loadReceiptKeyRing({ kind: 'key-file', path: await write('old.json', old) });
    const { receipt } = await signApprovalReceipt(approvalRecord('wf-5'), oldRing.active, 'i');
    expect((await verifyApprovalReceipt(receipt, ring.published)).kid).toBe(old.kid);
  });

  test('a file of several private keys without activeKid, a kid that is not the thumbprint, or a published file with d are refused', async () => {
    const a = await generateReceiptKey();
    const b = await generateReceiptKey();
    await expect(loadReceiptKeyRing({ kind: 'key-file', path: await write('two.json', { keys: [a, b] }) })).rejects.toThrow(/activeKid/);
    await expect(loadReceiptKeyRing({ kind: 'key-file', path: await write('kid.json', { ...a, kid: 'mine' }) })).rejects.toThrow(/thumbprint/);
    await expect(loadPublishedReceiptKeys({ kind: 'jwks-file', path: await write('leak.json', { keys: [a] }) })).rejects.toThrow(ConfigError);
    await expect(loadReceiptKeyRing({ kind: 'key-file', path: path.join(dir, 'missing.json') })).rejects.toThrow(/APPROVAL_RECEIPT_KEY_FILE/);
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    await expect(loadReceiptKeyRing({ kind: 'key-file', path: await write('rsa.json', await exportJWK(privateKey)) })).rejects.toThrow(ConfigError);
  });

  test('the development key is generated once, owner-only, shared by concurrent starters, and published from the same file', async () => {
    const file = path.join(dir, 'dev', 'dev-approval-receipt-key.json');
    const [a, b, published] = await Promise.all([
      loadReceiptKeyRing({ kind: 'dev-file', path: file }),
      loadReceiptKeyRing({ kind: 'dev-file', path: file }),
      loadPublishedReceiptKeys({ kind: 'dev-file', path: file }),
    ]);
    expect(a.active.kid).toBe(b.active.kid);
    expect(a.active.alg).toBe('EdDSA');
    expect(published.keys.map((key) => key.kid)).toEqual([a.active.kid]);
    expect(JSON.stringify(published)).not.toContain('"d"');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await loadReceiptKeyRing({ kind: 'dev-file', path: file })).active.kid).toBe(a.active.kid);
  });

  test('production without APPROVAL_RECEIPT_KEY_FILE is a startup error naming it', () => {
    expect(() => loadWorkerConfig({ NODE_ENV: 'production', CALLBACK_SIGNING_SECRET: 'x'.repeat(44), CALLBACK_BASE_URL: 'https://callbacks.example.com' })).toThrow(/APPROVAL_RECEIPT_KEY_FILE is not set/);
    expect(loadWorkerConfig({}).receipts).toMatchObject({ keys: { kind: 'dev-file', path: path.resolve('.data/dev-approval-receipt-key.json') }, issuer: 'durable-callbacks', defaultedSettings: ['APPROVAL_RECEIPT_KEY_FILE', 'APPROVAL_RECEIPT_ISSUER'] });
    expect(loadWorkerConfig({ NODE_ENV: 'production', CALLBACK_SIGNING_SECRET: 'x'.repeat(44), CALLBACK_BASE_URL: 'https://c.example.com', APPROVAL_RECEIPT_KEY_FILE: '/etc/receipts.json' }).receipts).toMatchObject({ keys: { kind: 'key-file', path: '/etc/receipts.json' } });
    // The gateway publishes the same development key outside production; in production only a configured file.
    expect(loadGatewayConfig({}).receiptKeys).toEqual({ kind: 'dev-file', path: path.resolve('.data/dev-approval-receipt-key.json') });
    expect(loadGatewayConfig({ NODE_ENV: 'production', CALLBACK_KEY_RING_FILE: '/etc/ring.json' }).receiptKeys).toBeUndefined();
    expect(loadGatewayConfig({ APPROVAL_RECEIPT_PUBLIC_KEYS_FILE: '/etc/jwks.json' }).receiptKeys).toEqual({ kind: 'jwks-file', path: '/etc/jwks.json' });
  });
});

describe('signing', () => {
  test('refuses a record of the wrong shape with RECEIPT_MALFORMED, before anything is signed', async () => {
    const ring = await ringOf('EdDSA');
    const record = { ...approvalRecord('wf-6'), extra: 'not in the record' };
    expect(await codeOf(signApprovalReceipt(record, ring.active, 'i'))).toBe('RECEIPT_MALFORMED');
    expect(await codeOf(signApprovalReceipt({ ...approvalRecord('wf-6'), outcome: 'maybe' as never }, ring.active, 'i'))).toBe('RECEIPT_MALFORMED');
  });
});

async function write(name: string, json: unknown): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, JSON.stringify(json));
  return file;
}
