import type { CryptoKey } from 'jose';
import { z } from 'zod';
import type { ApprovalBinding } from '../protocol/approval-messages';

/**
 * What a callback token says, and the constants both the minting activity and the verifying
 * gateway rely on. Minting lives in {@link ./mint-callback-token}, checking in
 * {@link ./verify-callback-token}.
 */

/** The JWS `typ` header of every callback token, so no other JWT from the same key passes (RFC 8725 §3.11). */
export const CALLBACK_TOKEN_TYPE = 'dcb+jwt';

/** How far clocks between the worker and the gateway may disagree when checking `exp`/`nbf`. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** Longer path segments are refused before any cryptography runs. */
export const MAX_TOKEN_LENGTH = 4096;

/** The facts a callback token proves, once verified. */
export interface CallbackClaims {
  /** Temporal namespace of the workflow. */
  namespace: string;
  /** Workflow id (not run id, so the callback outlives continue-as-new). */
  workflowId: string;
  /** Which of the workflow's callbacks this is. */
  callbackId: string;
  /** When the URL stops being accepted. */
  expiresAt: Date;
  /** Whether a valid API key with the `workflows:execute` scope must accompany each request. */
  requiresApiKey: boolean;
  /** Whether a plain GET delivers (opt-in, since link previews and crawlers issue GETs). */
  allowGet: boolean;
  /** When set, requests must carry a Standard Webhooks signature made with this sender's secret. */
  signatureSender?: string;
  /**
   * The first run id of the execution chain that minted the callback (runs linked by
   * continue-as-new share it). Deliveries go only to that chain, never to a later execution that
   * reuses the workflow id. Absent in tokens minted before chains were recorded.
   */
  executionChain?: string;
  /** For an approval's URL: the action digest every vote through it is for, and whether voters must sign in. */
  approval?: ApprovalBinding;
  /**
   * The link generation of this URL: 0 for the callback's first URL, one more for each reissue
   * (`callback.reissue()`). The workflow refuses deliveries through a link older than its current
   * one with `CALLBACK_LINK_REPLACED`. Absent (0) in tokens minted before links were reissued.
   */
  link?: number;
}

/** Issuer and audience every token carries and every verification demands. */
export interface TokenIdentity {
  issuer: string;
  audience: string;
}

/** The JWT payload on the wire: short claim names keep URLs short. */
export const tokenPayloadSchema = z.object({
  ns: z.string().min(1),
  sub: z.string().min(1),
  jti: z.string().min(1),
  exp: z.number().int(),
  akr: z.literal(true).optional(),
  get: z.literal(true).optional(),
  whs: z.string().min(1).max(64).optional(),
  run: z.string().min(1).max(128).optional(),
  /** An approval's binding: `d` the action digest (base64url SHA-256), `i` `s` (signed-in) or `l` (link holder), `m` max sign-in age in seconds. */
  apv: z
    .strictObject({ d: z.string().regex(/^[A-Za-z0-9_-]{43}$/), i: z.enum(['s', 'l']), m: z.int().min(0).max(31_536_000).optional() })
    .optional(),
  /** The link generation (`CallbackClaims.link`), a positive integer; absent for a callback's first link. */
  lnk: z.int().min(1).max(1_000_000).optional(),
});

/** The JWT payload on the wire. */
export type TokenPayload = z.infer<typeof tokenPayloadSchema>;

/**
 * Imports raw secret bytes as an HS256 key once, at startup: verifying with a pre-imported
 * `CryptoKey` skips a key import on every request. For key rings see `lib/key-ring.ts`.
 */
export async function importSigningKey(secret: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}
