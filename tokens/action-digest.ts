import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { ApprovalAction } from '../protocol/approval-messages';

/**
 * The digest that binds an approval's votes to exactly the action shown: SHA-256 over the
 * action's canonical JSON (RFC 8785, JSON Canonicalization Scheme, through `canonicalize`, the
 * scheme's reference implementation by one of its authors), base64url without padding (43
 * characters). Two actions that differ only in key order or number spelling have one digest; any
 * other change gives another. The minting activity computes it into the URL's token; anyone can
 * recompute it from a receipt's `action` to check the receipt's `actionDigest`.
 */

/** The most bytes an action's canonical JSON may have: what a person can read on one page, with room. */
export const MAX_ACTION_BYTES = 16 * 1024;

/** The canonical JSON (RFC 8785) of `action`; throws when it is not JSON (a function, `undefined` at the top, a cycle). */
export function canonicalAction(action: ApprovalAction): string {
  const text = canonicalize(action);
  if (text === undefined) throw new TypeError('An approval action must be a JSON object.');
  return text;
}

/** The base64url SHA-256 of `action`'s canonical JSON. */
export function actionDigest(action: ApprovalAction): string {
  return createHash('sha256').update(canonicalAction(action), 'utf8').digest('base64url');
}
