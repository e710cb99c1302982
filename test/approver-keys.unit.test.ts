import { approverKeysOfPerson, approverKeysOfRules, MAX_APPROVER_KEY_LENGTH, MAX_APPROVER_KEYS } from '../protocol/approver-keys';
import { matchesRule } from '../workflows/approval-rules';
import type { ApproverRule, VerifiedApprover } from '../protocol/approval-messages';
import { inboxVisibilityQuery } from '../callback-gateway/inbox/list-inbox';

// The identity keys of DurableCallbacksApprovers: a rule is listed under one key, a person is
// found under all of theirs, and whoever a rule matches shares a key with it (an index may find
// more than the rules allow, never less).

const alice: VerifiedApprover = { issuer: 'https://id.example.com', subject: 'u-1', email: 'Alice@Example.com', emailVerified: true, groups: ['oncall', 'sec'], via: 'oidc' };

describe('approver keys', () => {
  test('a rule is listed under its narrowest field; Slack-only rules are not listed', () => {
    expect(approverKeysOfRules([{ group: 'oncall', emailDomain: 'example.com' }, { email: 'BOB@example.com' }, { issuer: 'x', subject: 's' }, { emailDomain: 'Example.COM' }, { slackUserId: 'U1' }, { group: 'oncall' }])).toEqual([
      'group:oncall',
      'email:bob@example.com',
      'subject:s',
      'domain:example.com',
    ]);
  });

  test('a person is found by subject, verified email and its domain, and groups; an unverified email gives no key', () => {
    expect(approverKeysOfPerson(alice)).toEqual(['subject:u-1', 'email:alice@example.com', 'domain:example.com', 'group:oncall', 'group:sec']);
    expect(approverKeysOfPerson({ ...alice, emailVerified: false, groups: [] })).toEqual(['subject:u-1']);
  });

  test('whoever a rule matches shares a key with it', () => {
    const rules: ApproverRule[] = [{ group: 'sec' }, { email: 'alice@example.com' }, { emailDomain: 'EXAMPLE.com' }, { subject: 'u-1', issuer: 'https://id.example.com' }, { group: 'oncall', email: 'alice@example.com' }];
    for (const rule of rules) {
      expect(matchesRule(rule, alice)).toBe(true);
      expect(approverKeysOfRules([rule]).some((key) => approverKeysOfPerson(alice).includes(key))).toBe(true);
    }
  });

  test('long keys are cut the same on both sides, odd characters made plain, and the list bounded', () => {
    const long = 'g'.repeat(400);
    const [key] = approverKeysOfRules([{ group: long }]);
    expect(key).toHaveLength(MAX_APPROVER_KEY_LENGTH);
    expect(approverKeysOfPerson({ subject: 's', groups: [long] })).toContain(key);
    expect(approverKeysOfRules([{ group: 'a"b\\c' }])).toEqual(['group:a_b_c']);
    expect(approverKeysOfRules(Array.from({ length: 150 }, (_, i) => ({ group: `g${i}` })))).toHaveLength(MAX_APPROVER_KEYS);
  });

  test("the inbox's visibility query quotes each key", () => {
    expect(inboxVisibilityQuery(["group:o'call"])).toBe("DurableCallbacksApprovers IN ('group:o\\'call') AND ExecutionStatus = 'Running'");
  });
});
