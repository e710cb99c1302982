import { promises as fs } from 'node:fs';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';
import { ConfigError } from '../config/config-error';
import type { PublishedKeysSource, ReceiptKeySource } from '../config/receipt-config';
import { createFileExclusive, writeOwnerOnlyFile } from './atomic-file';

/**
 * The keys approval receipts are signed with (on the worker) and published by (the gateway's
 * `/.well-known/jwks.json`). Asymmetric only: whoever verifies a receipt holds no secret, so a
 * verifier can never sign one. Each key is named by its RFC 7638 JWK thumbprint, so a `kid`
 * says which key it is and cannot be chosen to collide with another.
 *
 * A key file (`APPROVAL_RECEIPT_KEY_FILE`) is a private JWK, or a JWKS of several keys with
 * `activeKid` naming the one that signs; the others (private or public) stay published so
 * receipts they signed still verify after a rotation.
 */

/** Receipt signature algorithms: Ed25519 (the default) or ECDSA over P-256. */
export type ReceiptAlgorithm = 'EdDSA' | 'ES256';

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'base64url');

/** A receipt key as a JWK in a file: Ed25519 (`OKP`) or P-256 (`EC`), with `d` when private. */
const receiptJwkSchema = z.discriminatedUnion('kty', [
  z.looseObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: base64url, d: base64url.optional(), kid: z.string().optional(), alg: z.enum(['EdDSA', 'Ed25519']).optional() }),
  z.looseObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: base64url, y: base64url, d: base64url.optional(), kid: z.string().optional(), alg: z.literal('ES256').optional() }),
]);

type ReceiptJwk = z.infer<typeof receiptJwkSchema>;

/** A receipt key file as a JWKS, with the active key's id. */
const receiptKeySetSchema = z.strictObject({ activeKid: z.string().optional(), keys: z.array(receiptJwkSchema).min(1) });

/** A published key: public parts only, with its `kid` (the thumbprint), `alg` and `use`. */
export interface PublicReceiptJwk {
  kty: 'OKP' | 'EC';
  crv: 'Ed25519' | 'P-256';
  x: string;
  y?: string;
  kid: string;
  alg: ReceiptAlgorithm;
  use: 'sig';
}

/** A JSON Web Key Set of public receipt keys, as the gateway serves it. */
export interface PublishedReceiptKeys {
  keys: PublicReceiptJwk[];
}

/** The key that signs receipts: imported once, never exported again. */
export interface ReceiptSigningKey {
  kid: string;
  alg: ReceiptAlgorithm;
  privateKey: CryptoKey;
}

/** What a worker signs with: the active key, and every public key of its file (for the startup line). */
export interface ReceiptKeyRing {
  active: ReceiptSigningKey;
  published: PublishedReceiptKeys;
}

function algorithmOf(jwk: ReceiptJwk): ReceiptAlgorithm {
  return jwk.kty === 'OKP' ? 'EdDSA' : 'ES256';
}

/** The public parts of `jwk`, named by its thumbprint. */
async function publicPart(jwk: ReceiptJwk, origin: string): Promise<PublicReceiptJwk> {
  const kid = await calculateJwkThumbprint(jwk as JWK, 'sha256');
  if (jwk.kid !== undefined && jwk.kid !== kid) {
    throw new ConfigError(`${origin}: a key's kid '${jwk.kid}' is not its RFC 7638 thumbprint '${kid}'; leave kid out or set it to the thumbprint.`);
  }
  const common = { kid, alg: algorithmOf(jwk), use: 'sig' as const };
  return jwk.kty === 'OKP' ? { kty: 'OKP', crv: 'Ed25519', x: jwk.x, ...common } : { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ...common };
}

async function readJson(file: string, setting: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${setting}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError(`${setting}: ${file} is not valid JSON.`);
  }
}

function issuesOf(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`).join('; ');
}

/** A parsed key file: its keys, and the id of the one that signs. */
async function parseKeyFile(json: unknown, origin: string): Promise<{ keys: Array<{ jwk: ReceiptJwk; published: PublicReceiptJwk }>; activeKid: string }> {
  // One JWK, or a JWKS of them: a JWK never has `keys`.
  const isSet = typeof json === 'object' && json !== null && 'keys' in json;
  const parsed = isSet ? receiptKeySetSchema.safeParse(json) : receiptJwkSchema.transform((jwk) => ({ activeKid: undefined, keys: [jwk] })).safeParse(json);
  if (!parsed.success) throw new ConfigError(`${origin} is not a receipt key (a private Ed25519 or P-256 JWK, or a JWKS of them with activeKid): ${issuesOf(parsed.error)}`);
  const file: { activeKid?: string | undefined; keys: ReceiptJwk[] } = parsed.data;
  const keys: Array<{ jwk: ReceiptJwk; published: PublicReceiptJwk }> = [];
  for (const jwk of file.keys) {
    const published = await publicPart(jwk, origin);
    if (keys.some((key) => key.published.kid === published.kid)) throw new ConfigError(`${origin}: key '${published.kid}' appears twice.`);
    keys.push({ jwk, published });
  }
  const privateKids = keys.filter((key) => key.jwk.d !== undefined).map((key) => key.published.kid);
  const activeKid = file.activeKid ?? (privateKids.length === 1 ? privateKids[0] : undefined);
  if (activeKid === undefined) {
    throw new ConfigError(
      privateKids.length === 0
        ? `${origin} holds no private key, so it cannot sign receipts; a worker needs the private JWK (with d).`
        : `${origin} holds ${privateKids.length} private keys and no activeKid; set activeKid to the one that signs.`,
    );
  }
  if (!privateKids.includes(activeKid)) throw new ConfigError(`${origin}: activeKid '${activeKid}' is not a private key in the file.`);
  return { keys, activeKid };
}

/**
 * A new receipt key (Ed25519 unless `alg` says ES256) as a private JWK, its `kid` set to its
 * thumbprint. For the development key and `durable-callbacks approvals keys add`.
 */
export async function generateReceiptKey(alg: ReceiptAlgorithm = 'EdDSA'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk, 'sha256') };
}

/**
 * The development key file's contents, generated once: a losing concurrent starter (a worker
 * and a gateway started together) reads the winner's key instead.
 */
async function readOrCreateDevKey(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`The development receipt key in ${file} is unreadable (${(err as Error).message}); delete it to generate a new one.`);
  }
  const jwk = await generateReceiptKey('EdDSA');
  await createFileExclusive(file, `${JSON.stringify({ activeKid: jwk.kid, keys: [jwk] }, null, 2)}\n`);
  return JSON.parse(await fs.readFile(file, 'utf8'));
}

async function keyFileJson(source: ReceiptKeySource | PublishedKeysSource): Promise<unknown> {
  if (source.kind === 'dev-file') return readOrCreateDevKey(source.path);
  return readJson(source.path, source.kind === 'key-file' ? 'APPROVAL_RECEIPT_KEY_FILE' : 'APPROVAL_RECEIPT_PUBLIC_KEYS_FILE');
}

function originOf(source: ReceiptKeySource | PublishedKeysSource): string {
  if (source.kind === 'key-file') return `APPROVAL_RECEIPT_KEY_FILE ${source.path}`;
  if (source.kind === 'jwks-file') return `APPROVAL_RECEIPT_PUBLIC_KEYS_FILE ${source.path}`;
  return `The development receipt key ${source.path}`;
}

/**
 * Loads the worker's receipt keys: imports the active private key once, and lists every key's
 * public part. In development the key is generated on first use (owner-only, atomically).
 * @throws {@link ConfigError} naming the file and what is wrong with it.
 */
export async function loadReceiptKeyRing(source: ReceiptKeySource): Promise<ReceiptKeyRing> {
  const origin = originOf(source);
  const { keys, activeKid } = await parseKeyFile(await keyFileJson(source), origin);
  const active = keys.find((key) => key.published.kid === activeKid)!;
  const { kid: _kid, alg: _alg, ...material } = active.jwk;
  let privateKey: CryptoKey;
  try {
    privateKey = (await importJWK(material as JWK, active.published.alg)) as CryptoKey;
  } catch (err) {
    throw new ConfigError(`${origin}: key '${activeKid}' cannot be imported (${(err as Error).message}).`);
  }
  return { active: { kid: activeKid, alg: active.published.alg, privateKey }, published: { keys: keys.map((key) => key.published) } };
}

/**
 * Loads the public keys the gateway publishes: a JWKS file of public keys (refused if any key
 * holds private material: a gateway never needs it), or, in development, the public parts of the
 * generated key file the worker signs with.
 * @throws {@link ConfigError} naming the file and what is wrong with it.
 */
export async function loadPublishedReceiptKeys(source: PublishedKeysSource): Promise<PublishedReceiptKeys> {
  const origin = originOf(source);
  const json = await keyFileJson(source);
  if (source.kind === 'dev-file') return publicKeysOf(json, origin);
  return parsePublishedReceiptKeys(json, origin);
}

/**
 * Reads a JWKS of public receipt keys (from a file, or fetched from a gateway), each named by its
 * thumbprint. Refuses any key with private material (`d`): nobody who verifies needs it.
 * @throws {@link ConfigError} naming `origin` and what is wrong.
 */
export async function parsePublishedReceiptKeys(json: unknown, origin: string): Promise<PublishedReceiptKeys> {
  const parsed = z.looseObject({ keys: z.array(receiptJwkSchema) }).safeParse(json);
  if (!parsed.success) throw new ConfigError(`${origin} is not a JWKS of Ed25519 or P-256 public keys: ${issuesOf(parsed.error)}`);
  if (parsed.data.keys.some((jwk) => jwk.d !== undefined)) {
    throw new ConfigError(`${origin} holds private key material (d); publish public keys only (\`durable-callbacks approvals keys public\` prints them).`);
  }
  const keys: PublicReceiptJwk[] = [];
  for (const jwk of parsed.data.keys) {
    const published = await publicPart(jwk, origin);
    if (!keys.some((key) => key.kid === published.kid)) keys.push(published);
  }
  return { keys };
}

/** The public JWKS of a key file's keys (active and retired), as the gateway should publish them. */
export async function publicKeysOf(json: unknown, origin: string): Promise<PublishedReceiptKeys> {
  return { keys: (await parseKeyFile(json, origin)).keys.map((key) => key.published) };
}

/** The message of the worker's and the gateway's startup line about receipt keys. */
export const RECEIPT_KEYS_MESSAGE = 'approval receipt keys';

/** Where receipt keys come from, for a startup line: the setting and file, or the generated development key marked `(default)`. */
export function describeReceiptKeySource(source: ReceiptKeySource | PublishedKeysSource | undefined): string {
  if (source === undefined) return 'none published (APPROVAL_RECEIPT_PUBLIC_KEYS_FILE is not set)';
  if (source.kind === 'dev-file') return `generated dev key at ${source.path} (default)`;
  return `${source.kind === 'key-file' ? 'APPROVAL_RECEIPT_KEY_FILE' : 'APPROVAL_RECEIPT_PUBLIC_KEYS_FILE'} ${source.path}`;
}

/**
 * The worker's startup line about its receipt keys, one line of text: where they come from, the
 * active key's `kid` (its thumbprint) and algorithm, every key it publishes, and the issuer.
 * Public facts only; the private key never enters it.
 */
export function formatReceiptKeySetup(ring: ReceiptKeyRing, source: ReceiptKeySource | undefined, issuer: string): string {
  return [
    `source: ${source ? describeReceiptKeySource(source) : 'keys given in code'}`,
    `active: ${ring.active.kid} ${ring.active.alg}`,
    `published: ${ring.published.keys.map((key) => `${key.kid} ${key.alg}`).join(', ')}`,
    `issuer: ${issuer}`,
  ].join('; ');
}

/**
 * Rotates a receipt key file (`durable-callbacks approvals keys add`): adds a new key of `alg` and
 * makes it the active one. The keys already there keep only their public parts, so they stay
 * published (their receipts still verify) but can never sign again. Creates the file (owner-only,
 * atomically) when missing.
 * @returns the new key's id and the file's public keys, to publish to the gateway.
 */
export async function addReceiptKey(file: string, alg: ReceiptAlgorithm = 'EdDSA'): Promise<{ kid: string; published: PublishedReceiptKeys }> {
  let existing: ReceiptJwk[] = [];
  try {
    existing = (await parseKeyFile(JSON.parse(await fs.readFile(file, 'utf8')), file)).keys.map((key) => key.jwk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const retired = existing.map(({ d: _d, ...publicPart }) => publicPart);
  const jwk = await generateReceiptKey(alg);
  const keys = [...retired, jwk];
  await writeOwnerOnlyFile(file, `${JSON.stringify({ activeKid: jwk.kid, keys }, null, 2)}\n`);
  return { kid: jwk.kid!, published: await publicKeysOf({ activeKid: jwk.kid, keys }, file) };
}
