import { isInitiator, matchesRule, parseVote, slackIssuer, tally } from '../workflows/approval-rules';
import type { ApprovalRules, ApprovalVote, ApproverRule, VerifiedApprover } from '../workflows';

// Who may decide, and when the votes decide: the pure rules the workflow replays.

const ALICE: VerifiedApprover = { issuer: 'https://id.example.com', subject: 'u-1', email: 'Alice@Example.com', emailVerified: true, groups: ['secops'], via: 'oidc' };
const SLACK_ALICE: VerifiedApprover = { issuer: slackIssuer('T1'), subject: 'U1', via: 'slack' };
const LINK: VerifiedApprover = { issuer: 'link', subject: 'd-1', via: 'link' };

describe('matchesRule', () => {
  test.each<[string, ApproverRule, VerifiedApprover, boolean]>([
    ['a group the provider lists', { group: 'secops' }, ALICE, true],
    ['a group it does not', { group: 'admins' }, ALICE, false],
    ['a verified email, without case', { email: 'alice@example.COM' }, ALICE, true],
    ['an unverified email', { email: 'alice@example.com' }, { ...ALICE, emailVerified: false }, false],
    ['a verified email domain', { emailDomain: 'example.com' }, ALICE, true],
    ['a domain that only ends the same', { emailDomain: 'ample.com' }, ALICE, false],
    ['a subject at its issuer', { issuer: 'https://id.example.com', subject: 'u-1' }, ALICE, true],
    ['a subject at another issuer', { issuer: 'https://other.example.com', subject: 'u-1' }, ALICE, false],
    ['every field of a rule, one failing', { group: 'secops', emailDomain: 'corp.example' }, ALICE, false],
    ['a Slack user in its workspace', { slackUserId: 'U1', slackTeamId: 'T1' }, SLACK_ALICE, true],
    ['a Slack user clicking from another workspace', { slackUserId: 'U1', slackTeamId: 'T2' }, SLACK_ALICE, false],
    ['a Slack user id where the person signed in with OIDC', { slackUserId: 'u-1' }, ALICE, false],
    ['an OIDC subject rule where the person clicked in Slack', { subject: 'U1' }, SLACK_ALICE, false],
    ['a link holder, by any rule', { group: 'secops' }, { ...LINK, groups: ['secops'] }, false],
    ['an empty rule', {}, ALICE, false],
  ])('%s', (_what, rule, approver, expected) => {
    expect(matchesRule(rule, approver)).toBe(expected);
  });
});

test('isInitiator names the requester by subject, verified email or Slack user', () => {
  expect(isInitiator({ subject: 'u-1' }, ALICE)).toBe(true);
  expect(isInitiator({ issuer: 'https://other', subject: 'u-1' }, ALICE)).toBe(false);
  expect(isInitiator({ email: 'alice@example.com' }, ALICE)).toBe(true);
  expect(isInitiator({ email: 'alice@example.com' }, { ...ALICE, emailVerified: false })).toBe(false);
  expect(isInitiator({ slackUserId: 'U1' }, SLACK_ALICE)).toBe(true);
  expect(isInitiator({ slackUserId: 'U1' }, { ...ALICE, subject: 'U1' })).toBe(false);
});

test('parseVote takes a decision and an optional comment, an empty comment as none', () => {
  expect(parseVote({ decision: 'approve', comment: '  ' })).toEqual({ decision: 'approve' });
  expect(parseVote({ decision: 'reject', comment: ' no ', csrf: 'x' })).toEqual({ decision: 'reject', comment: 'no' });
  for (const data of [null, 'approve', [], { decision: 'yes' }, { decision: 'approve', comment: 7 }]) expect(parseVote(data)).toBeUndefined();
});

describe('tally', () => {
  const rules = { quorum: 2, rejectQuorum: 2 } as ApprovalRules;
  const votes = (...decisions: Array<'approve' | 'reject'>) => decisions.map((decision) => ({ decision }) as ApprovalVote);
  test.each<[string, ApprovalVote[], string | undefined]>([
    ['one approval of two', votes('approve'), undefined],
    ['two approvals', votes('approve', 'approve'), 'approved'],
    ['one rejection of two needed', votes('approve', 'reject'), undefined],
    ['two rejections', votes('reject', 'approve', 'reject'), 'rejected'],
  ])('%s', (_what, given, outcome) => {
    expect(tally({ votes: given, rules }).outcome).toBe(outcome);
  });
});
