import {
  heldDelegation,
  isInitiator,
  judgeVote,
  matchesRule,
  mayDecide,
  mayDecideOnBehalf,
  nobodyCanApprove,
  parseDelegation,
  parseVote,
  recordDelegation,
  slackIssuer,
  tally,
  type ApprovalState,
  type VoteVerdict,
} from '../workflows/approval-rules';
import type { ApprovalInitiator, ApprovalRules, ApprovalVote, ApproverRule, CallbackDelivery, StandingDelegation, VerifiedApprover } from '../workflows';

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

describe('delegation: a hand-off, and a delegate voting on the delegator\'s behalf', () => {
  const ISSUER = 'https://id.example.com';
  const who = (subject: string, groups: string[] = ['secops']): VerifiedApprover => ({ issuer: ISSUER, subject, email: `${subject}@example.com`, emailVerified: true, groups, via: 'oidc' });
  const BOB = who('bob');
  const CAROL = who('carol', ['sales']);
  const DAVE = who('dave');
  const REQ = who('req');
  const rules: ApprovalRules = { quorum: 2, rejectQuorum: 1, onTimeout: 'timed_out', allowSelfApproval: false, allowLinkHolders: false, requireComment: { approve: false, reject: false } };
  let n = 0;
  const delivery = (approver: VerifiedApprover, data: unknown): CallbackDelivery => ({
    callbackId: 'cb',
    deliveryId: `d-${++n}`,
    kind: 'complete',
    method: 'POST',
    contentType: 'application/json',
    data,
    query: {},
    headers: {},
    receivedAt: '2026-12-07T10:00:00.000Z',
    approver,
    actionDigest: 'digest',
  });
  const fresh = (): ApprovalState => ({ action: { title: 'x' }, actionDigest: 'digest', rules, approvers: [{ group: 'secops' }], initiator: { email: 'req@example.com' }, votes: [] });
  /** Applies a delivery as the registry does, and returns the verdict. */
  const apply = (state: ApprovalState, approver: VerifiedApprover, data: unknown): VoteVerdict => {
    const verdict = judgeVote(state, delivery(approver, data));
    if (verdict.kind === 'delegate') recordDelegation(state, verdict.delegation);
    if (verdict.kind === 'accept') state.votes.push(verdict.vote);
    return verdict;
  };
  const handTo = (email: string) => ({ decision: 'delegate', delegateTo: { email } });
  const codeOf = (verdict: VoteVerdict) => (verdict.kind === 'reject' ? verdict.reason : verdict.kind);

  test('the delegate (not an approver) votes once on the delegator\'s behalf; the delegator is refused after', () => {
    const state = fresh();
    expect(codeOf(apply(state, BOB, handTo('carol@example.com')))).toBe('delegate');
    expect(mayDecide(state, CAROL)).toBe(true);
    expect(mayDecide(state, BOB)).toBe(false);
    expect(heldDelegation(state, CAROL)?.from.subject).toBe('bob');
    expect(codeOf(apply(state, BOB, { decision: 'approve' }))).toBe('DELEGATED_AWAY');
    const verdict = apply(state, CAROL, { decision: 'approve' });
    expect(verdict).toMatchObject({ kind: 'accept', vote: { approver: { subject: 'carol' }, onBehalfOf: { subject: 'bob' } } });
    expect(codeOf(apply(state, CAROL, { decision: 'approve' }))).toBe('duplicate');
    expect(mayDecide(state, CAROL)).toBe(false);
    expect(tally(state).approvals).toBe(1);
  });

  test('a delegate cannot hand on what they hold (no chains)', () => {
    const state = fresh();
    apply(state, BOB, handTo('carol@example.com'));
    expect(codeOf(apply(state, CAROL, handTo('dave@example.com')))).toBe('DELEGATION_CHAIN_FORBIDDEN');
  });

  test('a delegate who is an approver too casts one vote, on the delegator\'s behalf (one acting person counts once)', () => {
    const state = fresh();
    apply(state, BOB, handTo('dave@example.com'));
    expect(apply(state, DAVE, { decision: 'approve' })).toMatchObject({ kind: 'accept', vote: { onBehalfOf: { subject: 'bob' } } });
    expect(codeOf(apply(state, DAVE, { decision: 'approve' }))).toBe('duplicate');
  });

  test('never the delegator\'s own request: the initiator\'s hand-off gives no approval', () => {
    const state = { ...fresh(), approvers: [{ group: 'secops' }] };
    apply(state, REQ, handTo('carol@example.com'));
    expect(codeOf(apply(state, CAROL, { decision: 'approve' }))).toBe('SELF_APPROVAL_FORBIDDEN');
    expect(mayDecide(state, CAROL)).toBe(false);
  });

  test.each([
    ['oneself', BOB, 'bob@example.com'],
    ['the initiator', BOB, 'req@example.com'],
  ])('cannot hand it to %s', (_what, from, to) => {
    expect(codeOf(apply(fresh(), from, handTo(to)))).toBe('DELEGATE_NOT_ELIGIBLE');
  });

  test('cannot hand it to someone who voted, nor to someone who holds a say already; an outsider cannot hand it at all', () => {
    const state = fresh();
    apply(state, DAVE, { decision: 'approve' });
    expect(codeOf(apply(state, BOB, handTo('dave@example.com')))).toBe('DELEGATE_NOT_ELIGIBLE');
    apply(state, BOB, handTo('carol@example.com'));
    expect(codeOf(apply(state, who('erin'), handTo('carol@example.com')))).toBe('DELEGATE_NOT_ELIGIBLE');
    expect(codeOf(apply(state, who('mallory', ['sales']), handTo('frank@example.com')))).toBe('APPROVER_NOT_ELIGIBLE');
  });

  test('a hand-off names one person: an email, or an issuer and subject', () => {
    expect(parseDelegation({ decision: 'delegate', delegateTo: { email: ' carol@example.com ' } })).toEqual({ to: { email: 'carol@example.com' } });
    expect(parseDelegation({ decision: 'delegate', delegateTo: { issuer: ISSUER, subject: 'c' } })).toEqual({ to: { issuer: ISSUER, subject: 'c' } });
    for (const delegateTo of [undefined, 'carol@example.com', { group: 'secops' }, { subject: 'c' }, { email: 'not-an-email' }, { email: 'a@b', subject: 'c' }]) {
      expect(parseDelegation({ decision: 'delegate', delegateTo })).toBeUndefined();
    }
    expect(codeOf(apply(fresh(), BOB, { decision: 'delegate', delegateTo: { group: 'secops' } }))).toBe('VOTE_INVALID');
  });

  test('a lapsed hand-off (the request was reassigned) gives the delegate nothing', () => {
    const state = fresh();
    apply(state, BOB, handTo('carol@example.com'));
    state.delegations = state.delegations!.map((delegation) => ({ ...delegation, lapsed: true as const }));
    expect(codeOf(apply(state, CAROL, { decision: 'approve' }))).toBe('APPROVER_NOT_ELIGIBLE');
  });
});

describe('nobodyCanApprove: the fallback\'s proof that nobody could ever approve', () => {
  test.each<[string, ApproverRule[], ApprovalInitiator | undefined, boolean]>([
    ['only the initiator, by email', [{ email: 'Req@example.com' }], { email: 'req@example.com' }, true],
    ['only the initiator, by subject at their issuer', [{ issuer: 'https://id', subject: 'r' }], { issuer: 'https://id', subject: 'r' }, true],
    ['the initiator by Slack user', [{ slackUserId: 'U1' }], { slackUserId: 'U1' }, true],
    ['a subject at any issuer, the initiator at one', [{ subject: 'r' }], { issuer: 'https://id', subject: 'r' }, false],
    ['the initiator and someone else', [{ email: 'req@example.com' }, { email: 'bob@example.com' }], { email: 'req@example.com' }, false],
    ['a group (it may have other members)', [{ group: 'secops' }], { email: 'req@example.com' }, false],
    ['no initiator named', [{ email: 'req@example.com' }], undefined, false],
  ])('%s', (_what, approvers, initiator, expected) => {
    expect(nobodyCanApprove(approvers, initiator)).toBe(expected);
  });
});

describe('out-of-office: a standing delegation lets the delegate vote for an absent approver', () => {
  const ISSUER = 'https://id.example.com';
  const who = (subject: string, groups: string[] = []): VerifiedApprover => ({ issuer: ISSUER, subject, email: `${subject}@example.com`, emailVerified: true, groups, via: 'oidc' });
  const GRACE = who('grace', ['desk']);
  const HEIDI = who('heidi');
  const IVAN = who('ivan', ['desk']);
  const rules: ApprovalRules = { quorum: 1, rejectQuorum: 1, onTimeout: 'timed_out', allowSelfApproval: false, allowLinkHolders: false, requireComment: { approve: false, reject: false } };
  const state = (initiator = 'carol@example.com'): ApprovalState => ({ action: { title: 'x' }, actionDigest: 'digest', rules, approvers: [{ group: 'desk' }], initiator: { email: initiator }, votes: [] });
  const standing = (from: VerifiedApprover, until: string): StandingDelegation => ({ from, to: { email: 'heidi@example.com' }, until, setAt: '2026-12-01T00:00:00.000Z' });
  const vote = (s: ApprovalState, approver: VerifiedApprover, held: StandingDelegation[], data: unknown = { decision: 'approve' }) =>
    judgeVote(s, { callbackId: 'cb', deliveryId: 'd', kind: 'complete', method: 'POST', contentType: 'application/json', data, query: {}, headers: {}, receivedAt: '2026-12-07T10:00:00.000Z', approver, actionDigest: 'digest', standingDelegations: held });

  test('until it ends, the delegate votes on the absent approver\'s behalf', () => {
    expect(vote(state(), HEIDI, [standing(GRACE, '2026-12-08T00:00:00.000Z')])).toMatchObject({ kind: 'accept', vote: { approver: { subject: 'heidi' }, onBehalfOf: { subject: 'grace' } } });
    expect(mayDecideOnBehalf(state(), HEIDI, [standing(GRACE, '2026-12-08T00:00:00.000Z')], '2026-12-07T10:00:00.000Z')?.from.subject).toBe('grace');
  });

  test('an expired delegation does nothing', () => {
    expect(vote(state(), HEIDI, [standing(GRACE, '2026-12-07T09:59:59.000Z')])).toEqual({ kind: 'reject', reason: 'APPROVER_NOT_ELIGIBLE' });
  });

  test("never the absent approver's own request", () => {
    expect(vote(state('grace@example.com'), HEIDI, [standing(GRACE, '2026-12-08T00:00:00.000Z')])).toEqual({ kind: 'reject', reason: 'SELF_APPROVAL_FORBIDDEN' });
    expect(mayDecideOnBehalf(state('grace@example.com'), HEIDI, [standing(GRACE, '2026-12-08T00:00:00.000Z')], '2026-12-07T10:00:00.000Z')).toBeUndefined();
  });

  test('not for someone who is no approver of it, nor after the absent approver voted; and no chains', () => {
    expect(vote(state(), HEIDI, [standing(who('outsider', ['sales']), '2026-12-08T00:00:00.000Z')])).toEqual({ kind: 'reject', reason: 'APPROVER_NOT_ELIGIBLE' });
    const voted = { ...state(), votes: [{ approver: GRACE, decision: 'approve' as const, at: 'x', actionDigest: 'digest', deliveryId: 'g' }] };
    expect(vote(voted, HEIDI, [standing(GRACE, '2026-12-08T00:00:00.000Z')])).toEqual({ kind: 'reject', reason: 'APPROVER_NOT_ELIGIBLE' });
    expect(vote(state(), HEIDI, [standing(GRACE, '2026-12-08T00:00:00.000Z')], { decision: 'delegate', delegateTo: { email: 'ivan@example.com' } })).toEqual({
      kind: 'reject',
      reason: 'DELEGATION_CHAIN_FORBIDDEN',
    });
  });

  test('an approver in their own right votes as themselves: one acting person counts once', () => {
    const ivanHolds = { ...standing(GRACE, '2026-12-08T00:00:00.000Z'), to: { email: 'ivan@example.com' } };
    expect(vote(state(), IVAN, [ivanHolds])).toMatchObject({ kind: 'accept', vote: { approver: { subject: 'ivan' } } });
    expect(vote(state(), IVAN, [ivanHolds])).not.toHaveProperty('vote.onBehalfOf');
  });
});
