import type {
  ApprovalAction,
  ApprovalDecidedBy,
  ApprovalDelegation,
  ApprovalReassignment,
  DelegateIdentity,
  DelegationReply,
  StandingDelegation,
  ApprovalEscalation,
  ApprovalInitiator,
  ApprovalOutcome,
  ApprovalRules,
  ApprovalVote,
  ApproverRule,
  VerifiedApprover,
  VoteReply,
} from '../protocol/approval-messages';
import type { CallbackDelivery, CallbackStatus } from '../protocol/callback-messages';
import type { ApprovalReachPlan, NotifyChannel } from '../protocol/notification-messages';
import type { WorkflowRefusalCode } from '../protocol/workflow-refusals';

/**
 * The rules of an approval, as the workflow enforces them: who may vote, whether a vote counts,
 * and when the votes decide. Pure functions over plain data, so they replay identically and the
 * update validator (which runs before anything is recorded) and the signal path judge a vote the
 * same way. The gateway only identifies the voter; every rule is the workflow's.
 */

/** The most characters a vote's comment may have. */
export const MAX_COMMENT_LENGTH = 2000;

/** What the workflow keeps about one approval, beside its callback entry; plain data, carried by a callback snapshot. */
export interface ApprovalState {
  action: ApprovalAction;
  /** The digest the URL's token binds; votes for any other digest do not count. */
  actionDigest: string;
  rules: ApprovalRules;
  approvers: ApproverRule[];
  initiator?: ApprovalInitiator;
  /** Counted votes, one per person, in the order recorded. */
  votes: ApprovalVote[];
  /** Votes for earlier versions of the action, which no longer count. */
  superseded?: ApprovalVote[];
  /** Hand-offs from one approver to another, in the order recorded. */
  delegations?: ApprovalDelegation[];
  /** Operators' replacements of the approvers, in the order recorded. */
  reassignments?: ApprovalReassignment[];
  /** The declared approvers, when nobody among them could decide and the fallback approvers replaced them. */
  fallbackFrom?: ApproverRule[];
  /** The channels its people are notified on (`notify`): reminders and warnings go there too. */
  notify?: NotifyChannel[];
  /** Reminders, the deadline warning and escalations still to come, as data (`approval-reach.ts`). */
  reach?: ApprovalReachPlan;
  /** Escalations taken so far. */
  escalations?: ApprovalEscalation[];
  outcome?: ApprovalOutcome;
  decidedBy?: ApprovalDecidedBy;
  /** When it was decided, epoch ms (workflow time). */
  decidedAt?: number;
  /** The signed record, once signed. */
  receipt?: string;
  /**
   * Whether its approvers are listed in the `DurableCallbacksApprovers` search attribute while it
   * is pending (the minting activity said the attribute is registered on the namespace).
   */
  listed?: boolean;
}

/** What the workflow makes of one vote. */
export type VoteVerdict =
  | { kind: 'accept'; vote: ApprovalVote }
  /** An approver hands the request to a delegate. */
  | { kind: 'delegate'; delegation: ApprovalDelegation }
  | { kind: 'reject'; reason: WorkflowRefusalCode }
  /** The same person voted already on this action: the vote is theirs, counted once (`sameAs` is their first vote's delivery id). */
  | { kind: 'duplicate'; sameAs: string };

const lower = (text: string) => text.toLowerCase();

/** The person's verified email, lower-cased; an email the provider did not say it verified is none. */
function verifiedEmail(approver: VerifiedApprover): string | undefined {
  return approver.email !== undefined && approver.emailVerified === true ? lower(approver.email) : undefined;
}

/** True when `approver` is the one Slack user `rule` names (`slackTeamId`, when given, must be the workspace they clicked from). */
function matchesSlack(rule: ApproverRule, approver: VerifiedApprover): boolean {
  if (approver.via !== 'slack' || approver.subject !== rule.slackUserId) return false;
  return rule.slackTeamId === undefined || approver.issuer === slackIssuer(rule.slackTeamId);
}

/** The issuer the gateway gives people identified by Slack in workspace `teamId`. */
export function slackIssuer(teamId: string): string {
  return `https://slack.com/${teamId}`;
}

/** True when every field `rule` sets matches `approver`. A rule that sets nothing matches nobody. */
export function matchesRule(rule: ApproverRule, approver: VerifiedApprover): boolean {
  if (approver.via === 'link') return false;
  const checks: boolean[] = [];
  if (rule.slackUserId !== undefined) checks.push(matchesSlack(rule, approver));
  if (rule.issuer !== undefined) checks.push(approver.issuer === rule.issuer);
  if (rule.subject !== undefined) checks.push(approver.via !== 'slack' && approver.subject === rule.subject);
  if (rule.email !== undefined) checks.push(verifiedEmail(approver) === lower(rule.email));
  if (rule.emailDomain !== undefined) checks.push(verifiedEmail(approver)?.endsWith(`@${lower(rule.emailDomain)}`) === true);
  if (rule.group !== undefined) checks.push(approver.groups?.includes(rule.group) === true);
  return checks.length > 0 && checks.every(Boolean);
}

/** True when `approver` is the person who asked. */
export function isInitiator(initiator: ApprovalInitiator, approver: VerifiedApprover): boolean {
  const { issuer, subject, email, slackUserId } = initiator;
  if (slackUserId !== undefined && approver.via === 'slack' && approver.subject === slackUserId) return true;
  if (subject !== undefined && approver.via !== 'slack' && approver.subject === subject && (issuer === undefined || approver.issuer === issuer)) return true;
  return email !== undefined && verifiedEmail(approver) === lower(email);
}

/** True when `rule` names one person (a subject, an email or a Slack user; no group or domain) and that person is certainly `initiator`. */
function onlyInitiator(rule: ApproverRule, initiator: ApprovalInitiator): boolean {
  if (rule.group !== undefined || rule.emailDomain !== undefined) return false;
  if (rule.email !== undefined && initiator.email !== undefined && lower(rule.email) === lower(initiator.email)) return true;
  if (rule.slackUserId !== undefined && initiator.slackUserId === rule.slackUserId) return true;
  // A rule without an issuer matches the subject at any issuer: only the initiator's when theirs has none either.
  return rule.subject !== undefined && initiator.subject === rule.subject && (initiator.issuer === undefined || rule.issuer === initiator.issuer);
}

/**
 * True when the workflow can prove nobody could ever approve with `approvers` while self-approval
 * is forbidden: every rule names one person, and each is the initiator. (A group could be the
 * initiator alone too; the workflow cannot know, so that case is an operator's to reassign.)
 */
export function nobodyCanApprove(approvers: readonly ApproverRule[], initiator: ApprovalInitiator | undefined): boolean {
  return initiator !== undefined && approvers.length > 0 && approvers.every((rule) => onlyInitiator(rule, initiator));
}

/** One person, across their votes: the issuer and subject that name them. */
function personOf(approver: Pick<VerifiedApprover, 'issuer' | 'subject'>): string {
  return `${approver.issuer}\n${approver.subject}`;
}

/** The live hand-off `person` holds on `approval`: not lapsed, and neither its delegator nor its delegate has voted. */
export function heldDelegation(approval: Pick<ApprovalState, 'delegations' | 'votes'>, person: VerifiedApprover): ApprovalDelegation | undefined {
  return approval.delegations?.find(
    (delegation) =>
      delegation.lapsed !== true &&
      matchesRule(delegation.to, person) &&
      !approval.votes.some((vote) => personOf(vote.approver) === personOf(person) || personOf(vote.onBehalfOf ?? vote.approver) === personOf(delegation.from)),
  );
}

/** True when `person` handed `approval` to a delegate (a hand-off that has not lapsed). */
function delegatedAway(approval: Pick<ApprovalState, 'delegations'>, person: Pick<VerifiedApprover, 'issuer' | 'subject'>): boolean {
  return approval.delegations?.some((delegation) => delegation.lapsed !== true && personOf(delegation.from) === personOf(person)) === true;
}

/**
 * True when `approver` may still decide `approval` as the inbox offers it: an approver by its
 * rules (or the holder of an approver's hand-off), not its initiator when self-approval is
 * forbidden, not someone who handed it on, and not someone who already voted on the current
 * action. The same rules {@link judgeVote} applies to a vote, so the inbox lists nothing the
 * workflow would refuse for who the person is.
 */
export function mayDecide(approval: Pick<ApprovalState, 'approvers' | 'rules' | 'initiator' | 'votes' | 'delegations'>, approver: VerifiedApprover): boolean {
  if (approver.via === 'link') return false;
  const selfForbidden = (person: Pick<VerifiedApprover, 'issuer' | 'subject' | 'email' | 'emailVerified' | 'via'>) =>
    !approval.rules.allowSelfApproval && approval.initiator !== undefined && isInitiator(approval.initiator, person as VerifiedApprover);
  const held = heldDelegation(approval, approver);
  if (held) return !selfForbidden(approver) && !selfForbidden(held.from);
  if (!approval.approvers.some((rule) => matchesRule(rule, approver))) return false;
  if (selfForbidden(approver) || delegatedAway(approval, approver)) return false;
  return !approval.votes.some((vote) => personOf(vote.approver) === personOf(approver));
}

/**
 * The out-of-office delegation among `standing` (what the gateway read for `person`) that lets
 * `person` vote on `approval` on someone's behalf at `at`: to them, not expired at `at`, from an
 * approver of it (by the groups they had when they set it) who has neither voted nor handed it
 * on, and only for a person who is not an approver of it in their own right (one acting person
 * counts once). No chains: the gateway reads only delegations made by their delegators
 * themselves, so what a delegate holds never passes on.
 */
export function standingDelegationFor(
  approval: Pick<ApprovalState, 'approvers' | 'votes' | 'delegations'>,
  person: VerifiedApprover,
  standing: readonly StandingDelegation[] | undefined,
  at: string,
): StandingDelegation | undefined {
  if (person.via !== 'oidc' || approval.approvers.some((rule) => matchesRule(rule, person))) return undefined;
  return standing?.find(
    (delegation) =>
      matchesRule(delegation.to, person) &&
      Date.parse(delegation.until) > Date.parse(at) &&
      delegation.from.via === 'oidc' &&
      personOf(delegation.from) !== personOf(person) &&
      approval.approvers.some((rule) => matchesRule(rule, delegation.from)) &&
      !delegatedAway(approval, delegation.from) &&
      !approval.votes.some((vote) => personOf(vote.approver) === personOf(delegation.from) || (vote.onBehalfOf !== undefined && personOf(vote.onBehalfOf) === personOf(delegation.from))),
  );
}

/**
 * The absent approver `person` may decide `approval` for as the inbox offers it, through one of
 * their out-of-office delegations ({@link standingDelegationFor}), when neither of them asked for
 * it (while self-approval is forbidden); undefined when none.
 */
export function mayDecideOnBehalf(
  approval: Pick<ApprovalState, 'approvers' | 'rules' | 'initiator' | 'votes' | 'delegations'>,
  person: VerifiedApprover,
  standing: readonly StandingDelegation[] | undefined,
  at: string,
): StandingDelegation | undefined {
  const delegation = standingDelegationFor(approval, person, standing, at);
  if (!delegation || approval.votes.some((vote) => personOf(vote.approver) === personOf(person))) return undefined;
  const forbidden = !approval.rules.allowSelfApproval && approval.initiator !== undefined;
  if (forbidden && (isInitiator(approval.initiator!, person) || isInitiator(approval.initiator!, delegation.from))) return undefined;
  return delegation;
}

/** The vote's decision and comment, or undefined when `data` is not a vote (an empty comment, as a form sends it, is none). */
export function parseVote(data: unknown): { decision: 'approve' | 'reject'; comment?: string } | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const { decision, comment } = data as Record<string, unknown>;
  if (decision !== 'approve' && decision !== 'reject') return undefined;
  if (comment !== undefined && (typeof comment !== 'string' || comment.length > MAX_COMMENT_LENGTH)) return undefined;
  const trimmed = comment?.trim();
  return { decision, ...(trimmed ? { comment: trimmed } : {}) };
}

/** The delegate a hand-off names (`{ email }`, or `{ issuer, subject }`), or undefined when `value` names nobody in particular. */
export function parseDelegateIdentity(value: unknown): DelegateIdentity | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { email, issuer, subject, ...rest } = value as Record<string, unknown>;
  const isName = (text: unknown): text is string => typeof text === 'string' && text.trim() !== '' && text.length <= 320;
  if (Object.keys(rest).length > 0) return undefined;
  if (email !== undefined && issuer === undefined && subject === undefined) return isName(email) && email.includes('@') ? { email: lower(email.trim()) } : undefined;
  if (email === undefined && isName(issuer) && isName(subject)) return { issuer, subject };
  return undefined;
}

/** A hand-off's data: `{ decision: 'delegate', delegateTo, comment? }`, or undefined when `data` is not one. */
export function parseDelegation(data: unknown): { to: DelegateIdentity; comment?: string } | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const { decision, delegateTo, comment } = data as Record<string, unknown>;
  if (decision !== 'delegate') return undefined;
  const to = parseDelegateIdentity(delegateTo);
  if (!to || (comment !== undefined && (typeof comment !== 'string' || comment.length > MAX_COMMENT_LENGTH))) return undefined;
  const trimmed = comment?.trim();
  return { to, ...(trimmed ? { comment: trimmed } : {}) };
}

/** True when `to` certainly names the initiator (the same verified email, or the same subject). */
function namesInitiator(initiator: ApprovalInitiator, to: DelegateIdentity): boolean {
  if ('email' in to) return initiator.email !== undefined && lower(initiator.email) === lower(to.email);
  return initiator.subject === to.subject && (initiator.issuer === undefined || initiator.issuer === to.issuer);
}

/** True when `to` names the same person as the verified `person` (by their subject, or their verified email). */
function namesPerson(to: DelegateIdentity, person: Omit<VerifiedApprover, 'groups'>): boolean {
  return matchesRule(to, person as VerifiedApprover);
}

/**
 * What the workflow makes of a hand-off by `approver` to `to`: refused when `approver` could not
 * vote themselves (not an approver, or they handed it on or voted already), when they hold the
 * request on someone's behalf (no chains), or when `to` cannot take it.
 */
function judgeDelegation(state: ApprovalState, delivery: CallbackDelivery, approver: VerifiedApprover, parsed: { to: DelegateIdentity; comment?: string }): VoteVerdict {
  if (approver.via !== 'oidc') return { kind: 'reject', reason: 'APPROVER_NOT_IDENTIFIED' };
  if (heldDelegation(state, approver) || standingDelegationFor(state, approver, delivery.standingDelegations, delivery.receivedAt)) {
    return { kind: 'reject', reason: 'DELEGATION_CHAIN_FORBIDDEN' };
  }
  if (!state.approvers.some((rule) => matchesRule(rule, approver))) return { kind: 'reject', reason: 'APPROVER_NOT_ELIGIBLE' };
  if (delegatedAway(state, approver)) return { kind: 'reject', reason: 'DELEGATED_AWAY' };
  const earlier = state.votes.find((vote) => personOf(vote.approver) === personOf(approver));
  if (earlier) return { kind: 'duplicate', sameAs: earlier.deliveryId };
  const { to } = parsed;
  const takenBy = (vote: ApprovalVote) => namesPerson(to, vote.approver);
  const holdsOne = state.delegations?.some((delegation) => delegation.lapsed !== true && JSON.stringify(delegation.to) === JSON.stringify(to)) === true;
  if (namesPerson(to, approver) || state.votes.some(takenBy) || holdsOne || (!state.rules.allowSelfApproval && state.initiator && namesInitiator(state.initiator, to))) {
    return { kind: 'reject', reason: 'DELEGATE_NOT_ELIGIBLE' };
  }
  const { groups: _groups, ...from } = approver;
  return { kind: 'delegate', delegation: { from, to, ...(parsed.comment ? { comment: parsed.comment } : {}), at: delivery.receivedAt, deliveryId: delivery.deliveryId } };
}

/**
 * What the workflow makes of `delivery` as a vote on `state`, in the order a person would want
 * to hear it: not a vote; not identified; for another action; a sign-in too old; not an
 * approver (nor holding an approver's hand-off); handed on already; their own request (or, for a
 * delegate, the request of the person they act for); no comment where one is asked; already
 * voted (counted once). Only a vote that passes everything is counted. A hand-off
 * (`decision: 'delegate'`) is judged the same way up to eligibility, then by the hand-off's rules.
 *
 * A delegate's vote is the delegator's one say (`onBehalfOf`) and uses up the delegate's own:
 * one acting person counts once, so a delegate who is also an approver in their own right
 * casts one vote, on the delegator's behalf.
 */
export function judgeVote(state: ApprovalState, delivery: CallbackDelivery): VoteVerdict {
  const delegation = delivery.kind === 'complete' ? parseDelegation(delivery.data) : undefined;
  const parsed = delivery.kind === 'complete' && !delegation ? parseVote(delivery.data) : undefined;
  if (!parsed && !delegation) return { kind: 'reject', reason: 'VOTE_INVALID' };
  const { rules } = state;
  const approver = delivery.approver;
  if (!approver || (approver.via === 'link' && !rules.allowLinkHolders)) return { kind: 'reject', reason: 'APPROVER_NOT_IDENTIFIED' };
  if (delivery.actionDigest !== state.actionDigest) return { kind: 'reject', reason: 'ACTION_CHANGED' };
  // A Slack click carries no sign-in time, so an approval that asks for a recent sign-in refuses it.
  if (rules.maxAuthAgeSeconds !== undefined && approver.via !== 'link') {
    const signedIn = approver.authTime === undefined ? NaN : Date.parse(approver.authTime);
    const age = (Date.parse(delivery.receivedAt) - signedIn) / 1000;
    if (!(age <= rules.maxAuthAgeSeconds)) return { kind: 'reject', reason: 'SIGN_IN_TOO_OLD' };
  }
  if (delegation) return judgeDelegation(state, delivery, approver, delegation);
  const vote = parsed!;
  const held = approver.via === 'link' ? undefined : heldDelegation(state, approver);
  let actingFor: Omit<VerifiedApprover, 'groups'> | undefined = held?.from;
  if (!held) {
    // A delegate's second vote is their first, counted once, though they hold nothing now.
    const asDelegate = state.votes.find((counted) => counted.onBehalfOf !== undefined && personOf(counted.approver) === personOf(approver));
    if (asDelegate) return { kind: 'duplicate', sameAs: asDelegate.deliveryId };
    if (approver.via !== 'link' && !state.approvers.some((rule) => matchesRule(rule, approver))) {
      // Not an approver in their own right: an out-of-office delegation to them may let them vote for an absent approver.
      const standing = standingDelegationFor(state, approver, delivery.standingDelegations, delivery.receivedAt);
      if (!standing) return { kind: 'reject', reason: 'APPROVER_NOT_ELIGIBLE' };
      const { groups: _fromGroups, ...from } = standing.from;
      actingFor = from;
    }
    if (approver.via !== 'link' && delegatedAway(state, approver)) return { kind: 'reject', reason: 'DELEGATED_AWAY' };
  }
  const selfForbidden = vote.decision === 'approve' && !rules.allowSelfApproval && state.initiator !== undefined;
  // A delegate never approves their own request, nor the request of the person they act for.
  if (selfForbidden && (isInitiator(state.initiator!, approver) || (actingFor && isInitiator(state.initiator!, actingFor as VerifiedApprover)))) {
    return { kind: 'reject', reason: 'SELF_APPROVAL_FORBIDDEN' };
  }
  if (rules.requireComment[vote.decision] && vote.comment === undefined) return { kind: 'reject', reason: 'COMMENT_REQUIRED' };
  const earlier = state.votes.find((counted) => personOf(counted.approver) === personOf(approver));
  if (earlier) return { kind: 'duplicate', sameAs: earlier.deliveryId };
  const { groups: _groups, ...who } = approver;
  return {
    kind: 'accept',
    vote: {
      approver: who,
      decision: vote.decision,
      ...(vote.comment ? { comment: vote.comment } : {}),
      at: delivery.receivedAt,
      actionDigest: state.actionDigest,
      deliveryId: delivery.deliveryId,
      ...(actingFor ? { onBehalfOf: actingFor } : {}),
    },
  };
}

/** Records an accepted hand-off (already judged), and returns what the delegator is told. */
export function recordDelegation(state: ApprovalState, delegation: ApprovalDelegation): DelegationReply {
  state.delegations = [...(state.delegations ?? []), delegation];
  return { delegated: true, to: delegation.to };
}

/** How the counted votes stand. */
export interface Tally {
  approvals: number;
  rejections: number;
  /** Set once the votes decide. */
  outcome?: 'approved' | 'rejected';
}

/** Counts `state`'s votes against its quorums. A rejection quorum met decides first: a veto is not outvoted by a later approval. */
export function tally(state: Pick<ApprovalState, 'votes' | 'rules'>): Tally {
  const approvals = state.votes.filter((vote) => vote.decision === 'approve').length;
  const rejections = state.votes.length - approvals;
  const outcome = rejections >= state.rules.rejectQuorum ? 'rejected' : approvals >= state.rules.quorum ? 'approved' : undefined;
  return { approvals, rejections, ...(outcome ? { outcome } : {}) };
}

/** The outcome a timeout gives, by the author's `onTimeout`. */
export function timeoutOutcome(rules: ApprovalRules): ApprovalOutcome {
  const outcomes = { timed_out: 'timed_out', reject: 'rejected', approve: 'approved', cancel: 'cancelled' } as const;
  return outcomes[rules.onTimeout];
}

/** The callback an approval's votes arrive at, as far as deciding touches it. */
interface DecidedCallback {
  status: CallbackStatus;
}

/**
 * Records that `state` is decided now (workflow time), and closes its callback: `completed` for
 * a decision by votes or by the author's `onTimeout`, `timed_out` for none, `revoked` when
 * cancelled, so later votes are refused.
 */
export function decide(callback: DecidedCallback, state: ApprovalState, outcome: ApprovalOutcome, decidedBy: ApprovalDecidedBy): void {
  if (state.outcome !== undefined) return;
  state.outcome = outcome;
  state.decidedBy = decidedBy;
  state.decidedAt = Date.now();
  callback.status = outcome === 'timed_out' ? 'timed_out' : outcome === 'cancelled' ? 'revoked' : 'completed';
}

/** Counts `vote` (already judged), decides `state` when the votes now do, and returns the voter's answer. */
export function recordVote(callback: DecidedCallback, state: ApprovalState, vote: ApprovalVote): VoteReply {
  state.votes.push(vote);
  const counted = tally(state);
  if (counted.outcome) decide(callback, state, counted.outcome, 'votes');
  return {
    counted: true,
    decision: vote.decision,
    approvals: counted.approvals,
    rejections: counted.rejections,
    quorum: state.rules.quorum,
    rejectQuorum: state.rules.rejectQuorum,
    ...(state.outcome ? { outcome: state.outcome } : {}),
  };
}
