import { createLocalJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { APPROVAL_RECEIPT_TYPE, type ApprovalRecord, type ApproverRule } from '../protocol/approval-messages';
import type { ApprovalRecordToSign, SignedApprovalReceipt } from '../protocol/activity-contracts';
import type { ReceiptAlgorithm, ReceiptSigningKey } from '../keys/receipt-keys';
import { actionDigest } from './action-digest';

/**
 * Approval receipts: a compact JWS (`typ` {@link APPROVAL_RECEIPT_TYPE}) over the record of one
 * decided approval, signed with the worker's receipt key and verifiable by anyone holding the
 * gateway's published keys (`/.well-known/jwks.json`), with this module or with `jose` alone.
 *
 * The payload is `{ iss, iat, approval }`: `approval` is the {@link ApprovalRecord} exactly as the
 * workflow computed it; `iat` is the only clock reading the signer adds. Receipts never expire: a
 * record of a decision stays true.
 */

/** The claim of a receipt's payload that holds the record. */
export const RECEIPT_RECORD_CLAIM = 'approval';

/** The algorithms a receipt may be signed with; nothing else is ever accepted, whatever the header says. */
export const RECEIPT_ALGORITHMS: readonly ReceiptAlgorithm[] = ['EdDSA', 'ES256'];

/** Longer receipts are refused before any cryptography runs (a record of many long votes stays far below). */
export const MAX_RECEIPT_LENGTH = 256 * 1024;

/**
 * A stable code naming why a receipt did not verify, or why a record was not signed
 * (`RECEIPT_MALFORMED`, and `RECEIPT_DIGEST_MISMATCH` for a record whose `actionDigest` is not its
 * action's, which only signing checks).
 */
export type ApprovalReceiptErrorCode = 'RECEIPT_SIGNATURE_INVALID' | 'RECEIPT_KEY_UNKNOWN' | 'RECEIPT_MALFORMED' | 'RECEIPT_DIGEST_MISMATCH';

/**
 * A receipt that does not verify, with a stable {@link ApprovalReceiptErrorCode} and a sentence
 * for a person. Branch on `code` (it survives copies of this module; `instanceof` may not).
 */
export class ApprovalReceiptError extends Error {
  override readonly name = 'ApprovalReceiptError';
  readonly code: ApprovalReceiptErrorCode;
  /** The `kid` the receipt's header names, when it names one. */
  readonly kid?: string;

  constructor(code: ApprovalReceiptErrorCode, message: string, options: { kid?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.kid !== undefined) this.kid = options.kid;
  }
}

const text = z.string();
const isoTime = z.iso.datetime({ offset: true });
const digest = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a base64url SHA-256 digest');
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
const jsonValue: z.ZodType<Json> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]));
const channel = z.enum(['oidc', 'slack', 'link']);

/** A person as a vote records them (without groups). */
const personSchema = z.strictObject({
  issuer: text,
  subject: text,
  email: text.optional(),
  emailVerified: z.boolean().optional(),
  name: text.optional(),
  via: channel,
  authTime: isoTime.optional(),
});

/** One counted (or superseded) vote. */
const voteSchema = z.strictObject({
  approver: personSchema,
  decision: z.enum(['approve', 'reject']),
  comment: text.optional(),
  at: isoTime,
  actionDigest: digest,
  deliveryId: text,
  onBehalfOf: personSchema.optional(),
});


/** An approver rule as an escalation, a reassignment or a fallback records it (the fields `requestApproval` takes). */
const approverRuleSchema = z.strictObject({
  issuer: text.optional(),
  subject: text.optional(),
  email: text.optional(),
  emailDomain: text.optional(),
  group: text.optional(),
  slackUserId: text.optional(),
  slackTeamId: text.optional(),
});

/** One hand-off of the request. */
const delegationSchema = z.strictObject({
  from: personSchema,
  to: z.union([z.strictObject({ email: text }), z.strictObject({ issuer: text, subject: text })]),
  comment: text.optional(),
  at: isoTime,
  deliveryId: text,
  lapsed: z.literal(true).optional(),
});

/** The shape of an {@link ApprovalRecord}, checked before signing and after verifying: nothing else is signed, nothing else is believed. */
export const approvalRecordSchema = z.strictObject({
  version: z.literal(1),
  namespace: text,
  workflowId: text,
  executionChain: text,
  callbackId: text,
  action: z.strictObject({ title: text, summary: text.optional(), details: z.record(z.string(), jsonValue).optional() }),
  actionDigest: digest,
  outcome: z.enum(['approved', 'rejected', 'timed_out', 'cancelled']),
  decidedBy: z.enum(['votes', 'timeout', 'workflow', 'policy']),
  votes: z.array(voteSchema),
  superseded: z.array(voteSchema).optional(),
  escalations: z.array(z.strictObject({ at: isoTime, approvers: z.array(approverRuleSchema) })).optional(),
  rules: z.strictObject({
    quorum: z.int().min(0),
    rejectQuorum: z.int().min(0),
    onTimeout: z.enum(['timed_out', 'reject', 'approve', 'cancel']),
    allowSelfApproval: z.boolean(),
    allowLinkHolders: z.boolean(),
    requireComment: z.strictObject({ approve: z.boolean(), reject: z.boolean() }),
    maxAuthAgeSeconds: z.int().min(0).optional(),
  }),
  initiator: z.strictObject({ issuer: text.optional(), subject: text.optional(), email: text.optional(), slackUserId: text.optional() }).optional(),
  requestedAt: isoTime,
  decidedAt: isoTime,
  delegations: z.array(delegationSchema).optional(),
  reassignments: z.array(z.strictObject({ at: isoTime, approvers: z.array(approverRuleSchema), reason: text })).optional(),
  fallbackFrom: z.array(approverRuleSchema).optional(),
  policy: z.strictObject({ reason: text.min(1) }).optional(),
}).superRefine((record, context) => {
  // A receipt cannot claim a policy decided without saying which reason, nor give a reason for a decision people made.
  if (record.decidedBy === 'policy') {
    if (record.policy === undefined) context.addIssue({ code: 'custom', path: ['policy'], message: 'a record decided by policy says why (policy.reason)' });
    if (record.outcome !== 'approved') context.addIssue({ code: 'custom', path: ['outcome'], message: 'a policy only approves' });
    if (record.votes.length > 0) context.addIssue({ code: 'custom', path: ['votes'], message: 'a record decided by policy has no votes' });
  } else if (record.policy !== undefined) {
    context.addIssue({ code: 'custom', path: ['policy'], message: `a record decided by ${record.decidedBy} has no policy` });
  }
});

/** Whether two types are each assignable to the other, with the same property names (optional ones included). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? ([keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false) : false) : false;

type Parsed = z.infer<typeof approvalRecordSchema>;

// The schema is the protocol's type, field for field: a field added to `ApprovalRecord` and not
// here (it would be refused at signing) stops the build instead.
const schemaIsTheRecord: [
  Same<Parsed, ApprovalRecord>,
  Same<Parsed['rules'], ApprovalRecord['rules']>,
  Same<Parsed['action'], ApprovalRecord['action']>,
  Same<Parsed['votes'][number], ApprovalRecord['votes'][number]>,
  Same<Parsed['votes'][number]['approver'], ApprovalRecord['votes'][number]['approver']>,
  Same<NonNullable<Parsed['initiator']>, NonNullable<ApprovalRecord['initiator']>>,
  Same<NonNullable<Parsed['escalations']>[number]['approvers'][number], ApproverRule>,
  Same<NonNullable<Parsed['policy']>, NonNullable<ApprovalRecord['policy']>>,
] = [true, true, true, true, true, true, true, true];
void schemaIsTheRecord;

/** A receipt's payload. */
const receiptPayloadSchema = z.looseObject({ iss: text.min(1), iat: z.int(), [RECEIPT_RECORD_CLAIM]: approvalRecordSchema });

/**
 * The record a receipt signs: `record`, with the digest of its action computed here (a policy's
 * record comes with it empty: workflow code cannot hash) and checked against the one it carries.
 * @throws {@link ApprovalReceiptError} `RECEIPT_MALFORMED` when it is not an {@link ApprovalRecord},
 *   `RECEIPT_DIGEST_MISMATCH` when its `actionDigest` is not its action's.
 */
export function recordToSign(record: ApprovalRecordToSign): ApprovalRecord {
  if (typeof record !== 'object' || record === null) throw new ApprovalReceiptError('RECEIPT_MALFORMED', 'The approval record is not one a receipt can sign: it is not an object.');
  let computed: string;
  try {
    computed = actionDigest(record.action);
  } catch (err) {
    throw new ApprovalReceiptError('RECEIPT_MALFORMED', `The approval record is not one a receipt can sign: its action is not JSON (${(err as Error).message}).`, { cause: err });
  }
  const filled = record.decidedBy === 'policy' && record.actionDigest === '' ? { ...record, actionDigest: computed } : record;
  const checked = approvalRecordSchema.safeParse(filled);
  if (!checked.success) {
    throw new ApprovalReceiptError('RECEIPT_MALFORMED', `The approval record is not one a receipt can sign: ${z.prettifyError(checked.error).replace(/\n/g, ' ')}`);
  }
  if (filled.actionDigest !== computed) {
    throw new ApprovalReceiptError(
      'RECEIPT_DIGEST_MISMATCH',
      `The approval record's actionDigest ${filled.actionDigest} is not the digest of its action (${computed}): a receipt would bind another action than the one it shows.`,
    );
  }
  return filled as ApprovalRecord;
}

/**
 * Signs the record of a decided approval: a compact JWS with `typ` {@link APPROVAL_RECEIPT_TYPE},
 * the key's `kid` and `alg`, `iss` and `iat`. The record is signed as given (after checking its
 * shape and its action's digest, see {@link recordToSign}), so the same record always says the
 * same thing; a policy's record gets its digest filled in.
 * @throws {@link ApprovalReceiptError} `RECEIPT_MALFORMED` when `record` is not an {@link ApprovalRecord},
 *   `RECEIPT_DIGEST_MISMATCH` when its `actionDigest` is not its action's.
 */
export async function signApprovalReceipt(record: ApprovalRecordToSign, key: ReceiptSigningKey, issuer: string): Promise<SignedApprovalReceipt> {
  const signed = recordToSign(record);
  const receipt = await new SignJWT({ [RECEIPT_RECORD_CLAIM]: signed })
    .setProtectedHeader({ alg: key.alg, typ: APPROVAL_RECEIPT_TYPE, kid: key.kid })
    .setIssuer(issuer)
    .setIssuedAt()
    .sign(key.privateKey);
  return { receipt, kid: key.kid, actionDigest: signed.actionDigest };
}

/** What a verified receipt says. */
export interface VerifiedApprovalReceipt {
  record: ApprovalRecord;
  /** The key that signed it. */
  kid: string;
  alg: ReceiptAlgorithm;
  /** The receipt's `iss`. */
  issuer: string;
  /** When it was signed (`iat`). */
  issuedAt: Date;
}

/** Options for {@link verifyApprovalReceipt}. */
export interface VerifyReceiptOptions {
  /** Demand this `iss` (`APPROVAL_RECEIPT_ISSUER` of the signing worker); any issuer when unset. */
  issuer?: string;
}

/** Three base64url segments, nothing else (base64 decoders skip some other characters). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Whether each segment is the one encoding of its bytes. Decoders ignore the unused low bits of a
 * segment's last character, so without this a receipt with its signature's last character
 * changed (to one differing only in those bits) would still verify: a receipt would have several
 * spellings, and "any altered byte fails" would not hold.
 */
function canonicalSegments(jws: string): boolean {
  return jws.split('.').every((segment) => Buffer.from(segment, 'base64url').toString('base64url') === segment);
}

function malformed(reason: string, kid?: string, cause?: unknown): ApprovalReceiptError {
  return new ApprovalReceiptError('RECEIPT_MALFORMED', `This is not a well-formed approval receipt: ${reason}.`, { ...(kid === undefined ? {} : { kid }), cause });
}

/**
 * Verifies an approval receipt against a set of public keys (the gateway's
 * `/.well-known/jwks.json`, a JWKS file, or `jose`'s `createRemoteJWKSet`), and returns the record
 * it signs. Only EdDSA and ES256 are accepted, only the key its `kid` names is tried, and the
 * payload must be an {@link ApprovalRecord}.
 * @throws {@link ApprovalReceiptError} with code `RECEIPT_MALFORMED` (not a receipt: encoding,
 * header, `typ` or payload), `RECEIPT_KEY_UNKNOWN` (no published key has its `kid`) or
 * `RECEIPT_SIGNATURE_INVALID` (the signature does not match: it was altered, or signed by another key).
 */
export async function verifyApprovalReceipt(jws: string, keys: JSONWebKeySet | JWTVerifyGetKey, options: VerifyReceiptOptions = {}): Promise<VerifiedApprovalReceipt> {
  const receipt = jws.trim();
  if (receipt.length === 0 || receipt.length > MAX_RECEIPT_LENGTH || !COMPACT_JWS.test(receipt)) throw malformed('a receipt is a compact JWS, three base64url segments separated by dots');
  if (!canonicalSegments(receipt)) throw malformed('a segment is not canonical base64url (it was altered)');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(receipt);
  } catch (err) {
    throw malformed('its header is not readable JSON', undefined, err);
  }
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  if (kid === undefined) throw malformed('its header names no key (kid)');
  if (header.typ !== APPROVAL_RECEIPT_TYPE) throw malformed(`its type is not ${APPROVAL_RECEIPT_TYPE}`, kid);
  if (!RECEIPT_ALGORITHMS.includes(header.alg as ReceiptAlgorithm)) throw malformed(`its algorithm '${String(header.alg)}' is not EdDSA or ES256`, kid);
  const getKey = typeof keys === 'function' ? keys : createLocalJWKSet(keys);
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(receipt, getKey, {
      algorithms: [...RECEIPT_ALGORITHMS],
      typ: APPROVAL_RECEIPT_TYPE,
      requiredClaims: ['iss', 'iat'],
      ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWKSNoMatchingKey) {
      throw new ApprovalReceiptError('RECEIPT_KEY_UNKNOWN', `The receipt was signed with key '${kid}', which is not among the published keys; it was not signed by this service, or its key was never published.`, { kid, cause: err });
    }
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
      throw new ApprovalReceiptError('RECEIPT_SIGNATURE_INVALID', `The receipt's signature does not match key '${kid}': the receipt was altered after it was signed.`, { kid, cause: err });
    }
    if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'iss') throw malformed(`its issuer is not '${options.issuer}'`, kid, err);
    if (err instanceof joseErrors.JOSEError && (err.code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' || err.code === 'ERR_JWKS_INVALID' || err.code === 'ERR_JWKS_TIMEOUT')) throw err;
    throw malformed('its signed content is not a receipt', kid, err);
  }
  const parsed = receiptPayloadSchema.safeParse(payload);
  if (!parsed.success) throw malformed(`its record is not an approval record (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`, kid);
  return {
    record: parsed.data[RECEIPT_RECORD_CLAIM] as ApprovalRecord,
    kid,
    alg: header.alg as ReceiptAlgorithm,
    issuer: parsed.data.iss,
    issuedAt: new Date(parsed.data.iat * 1000),
  };
}
