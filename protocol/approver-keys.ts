import type { ApproverRule, VerifiedApprover } from './approval-messages';

/**
 * The identity keys of the `DurableCallbacksApprovers` search attribute (a KeywordList): what a
 * workflow lists for the approvers of its pending approvals, and what the gateway's inbox looks a
 * signed-in person up by. One implementation for both sides, sandbox-safe.
 *
 * A key is an index, not a rule: it finds the workflows that may have something for a person,
 * and the workflow's own rules (`matchesRule`, the `approvals` query) then say whether they may
 * decide. So a rule of several fields is listed under one of them (the narrowest: subject, then
 * email, then group, then domain), and a key cut to {@link MAX_APPROVER_KEY_LENGTH} characters
 * may find more than it should, never less (as may one whose backslashes or `"` became `_`). The format:
 *
 * - `subject:<sub>`: an OIDC subject (whatever the rule's issuer);
 * - `email:<address>`: a verified email, lower-cased;
 * - `group:<name>`: a group, as the provider spells it;
 * - `domain:<domain>`: a verified email's domain, lower-cased.
 *
 * Slack-only rules (`slackUserId`) are not listed: the inbox is for people who sign in.
 */

/** The search attribute's name, as `temporal operator search-attribute create --name` registers it (type KeywordList). */
export const APPROVERS_SEARCH_ATTRIBUTE_NAME = 'DurableCallbacksApprovers';

/** The most characters of one key: longer ones are cut (both sides cut the same way), well under Temporal's per-value limit. */
export const MAX_APPROVER_KEY_LENGTH = 200;

/** The most keys one workflow lists (Temporal bounds a workflow's search attributes at 40 KB in all by default). */
export const MAX_APPROVER_KEYS = 100;

/**
 * A key as stored and searched: a backslash and `"` become `_` (SQL visibility stores a KeywordList as
 * JSON, where a query finds neither as written), then cut to {@link MAX_APPROVER_KEY_LENGTH}.
 * Both sides apply it, so a key may find more than its rule, never less.
 */
const cut = (key: string) => key.replace(/["\\]/g, '_').slice(0, MAX_APPROVER_KEY_LENGTH);

/** The one key a rule is listed under, or undefined for a rule the inbox cannot serve (Slack only). */
function keyOfRule(rule: ApproverRule): string | undefined {
  if (rule.subject !== undefined) return cut(`subject:${rule.subject}`);
  if (rule.email !== undefined) return cut(`email:${rule.email.toLowerCase()}`);
  if (rule.group !== undefined) return cut(`group:${rule.group}`);
  if (rule.emailDomain !== undefined) return cut(`domain:${rule.emailDomain.toLowerCase()}`);
  return undefined;
}

/** The keys `rules` are listed under, each once, in first-seen order, at most {@link MAX_APPROVER_KEYS}. */
export function approverKeysOfRules(rules: readonly ApproverRule[]): string[] {
  const keys = new Set<string>();
  for (const rule of rules) {
    const key = keyOfRule(rule);
    if (key !== undefined) keys.add(key);
  }
  return [...keys].slice(0, MAX_APPROVER_KEYS);
}

/**
 * The keys a signed-in person is found under: their subject, their verified email and its
 * domain, and their groups. An email the provider did not verify gives no key, as it matches no rule.
 */
export function approverKeysOfPerson(person: Pick<VerifiedApprover, 'subject' | 'email' | 'emailVerified' | 'groups'>): string[] {
  const keys = [`subject:${person.subject}`];
  if (person.email !== undefined && person.emailVerified === true) {
    const email = person.email.toLowerCase();
    keys.push(`email:${email}`);
    const at = email.lastIndexOf('@');
    if (at >= 0) keys.push(`domain:${email.slice(at + 1)}`);
  }
  for (const group of person.groups ?? []) keys.push(`group:${group}`);
  return [...new Set(keys.map(cut))];
}
