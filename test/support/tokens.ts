import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { SignJWT, base64url, type CryptoKey, type JWTHeaderParameters } from 'jose';
import { standardWebhooksSignature } from '../../callback-gateway/standard-webhooks';
import type { CallbackClaims } from '../../tokens/callback-token';
import { waitForCallbackUrl } from './wait-for-callback-url';
import type { CallbackTokenMinter } from '../../tokens/mint-callback-token';
import { TEST_TOKEN_IDENTITY, type Harness } from './harness';

/**
 * Callback tokens as the tests make them: read from a minted URL, minted again with other
 * claims, or forged (altered headers and claims, other keys, no signature), and Standard
 * Webhooks headers made right or wrong.
 */

/** A workflow waiting on one callback, and that callback's URL, token and id. */
export interface WaitingCallback {
  handle: WorkflowHandle;
  url: string;
  token: string;
  callbackId: string;
}

/** The token in a callback URL (`/callbacks/<token>[/...]`). */
export function tokenOf(url: string): string {
  return new URL(url).pathname.split('/')[2]!;
}

/** Base64url of `value`'s JSON: one segment of a compact JWS. */
export function encodeSegment(value: unknown): string {
  return base64url.encode(new TextEncoder().encode(JSON.stringify(value)));
}

/** The JSON in one segment of a compact JWS. */
export function decodeSegment(segment: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(base64url.decode(segment))) as Record<string, unknown>;
}

/** The current time in Unix seconds, as tokens and webhook timestamps carry it. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Starts an `awaitCallback` workflow (a 10-minute wait, then `input`) on the harness and reads
 * its callback; its handle is added to `handles`, for the caller to terminate.
 */
export async function startWaiting(h: Harness, input: Record<string, unknown> = {}, handles?: WorkflowHandle[]): Promise<WaitingCallback> {
  const handle = await h.start('awaitCallback', [{ timeout: '10m', ...input }]);
  handles?.push(handle);
  const url = await waitForCallbackUrl(handle);
  const token = tokenOf(url);
  return { handle, url, token, callbackId: decodeSegment(token.split('.')[1]!).jti as string };
}

/** The claims of a token for `w`, valid ten minutes, no API key, no GET; `changes` applied. */
export function callbackClaims(w: WaitingCallback, changes: Partial<CallbackClaims> = {}): CallbackClaims {
  return {
    namespace: 'default',
    workflowId: w.handle.workflowId,
    callbackId: w.callbackId,
    expiresAt: new Date(Date.now() + 10 * 60_000),
    requiresApiKey: false,
    allowGet: false,
    ...changes,
  };
}

/** A token for `w` minted by `minter`, with {@link callbackClaims}' `changes`. */
export function mintFor(minter: CallbackTokenMinter, w: WaitingCallback, changes: Partial<CallbackClaims> = {}): Promise<string> {
  return minter.mint(callbackClaims(w, changes));
}

/** The JWT claims a minted token for `w` carries (test identity, ten minutes), as raw JSON. */
export function jwtClaimsFor(w: WaitingCallback): Record<string, unknown> {
  const now = nowSeconds();
  return { ns: 'default', iss: TEST_TOKEN_IDENTITY.issuer, aud: TEST_TOKEN_IDENTITY.audience, sub: w.handle.workflowId, jti: w.callbackId, iat: now, exp: now + 600 };
}

/** Changes to a forged token: header fields and claims to set (`undefined` removes one), and the signing key. */
export interface Forgery {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  key?: CryptoKey | Uint8Array;
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/**
 * A token shaped exactly like a minted one (HS256, `typ` dcb+jwt, `kid` default, `claims`),
 * signed with `key`, with `changes` applied: unaltered, it verifies.
 */
export function forgeToken(key: CryptoKey | Uint8Array, claims: Record<string, unknown>, changes: Forgery = {}): Promise<string> {
  const header = withoutUndefined({ alg: 'HS256', typ: 'dcb+jwt', kid: 'default', ...changes.header }) as JWTHeaderParameters;
  return new SignJWT(withoutUndefined({ ...claims, ...changes.claims })).setProtectedHeader(header).sign(changes.key ?? key);
}

/** HS256 over exactly these header and claims, for headers jose refuses to sign (e.g. an unknown `crit`). */
export async function signCompact(key: CryptoKey, header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
  const input = `${encodeSegment(header)}.${encodeSegment(claims)}`;
  const mac = await crypto.subtle.sign('HMAC', key as unknown as Parameters<typeof crypto.subtle.sign>[1], new TextEncoder().encode(input));
  return `${input}.${base64url.encode(new Uint8Array(mac))}`;
}

/** `token`'s payload under an `alg: none` header (typ dcb+jwt, `kid`), with an empty signature. */
export function unsignedToken(token: string, kid = 'default'): string {
  const [, payload] = token.split('.');
  return `${encodeSegment({ alg: 'none', typ: 'dcb+jwt', kid })}.${payload}.`;
}

/** What to get wrong in {@link webhookHeaders}; each part is right unless given. */
export interface WebhookHeaderOptions {
  id?: string;
  timestamp?: string | number;
  /** The key to sign with (the sender's secret unless given). */
  key?: Uint8Array;
  /** The body the signature covers, instead of the one sent. */
  signedBody?: string;
  /** The webhook-id the signature covers, instead of the one sent. */
  signedId?: string;
  /** The signature's scheme (`v1`). */
  scheme?: string;
}

/** Standard Webhooks headers (with a JSON content type) for `body` signed with `secret`, with any part replaced to make them wrong. */
export function webhookHeaders(secret: Uint8Array, body: string, options: WebhookHeaderOptions = {}): Record<string, string> {
  const id = options.id ?? `evt_${randomUUID()}`;
  const timestamp = String(options.timestamp ?? nowSeconds());
  const signature = standardWebhooksSignature(options.key ?? secret, options.signedId ?? id, timestamp, options.signedBody ?? body);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `${options.scheme ?? 'v1'},${signature}`,
  };
}
