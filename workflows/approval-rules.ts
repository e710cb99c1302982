import type {
  ApprovalAction,
  ApprovalDecidedBy,
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

/** One person, across their votes: the issuer and subject that name them. */
function personOf(approver: Pick<VerifiedApprover, 'issuer' | 'subject'>): string {
  return `${approver.issuer}\n${approver.subject}`;
}

/**
 * True when `approver` may still decide `approval` as the inbox offers it: an approver by its
 * rules, not its initiator when self-approval is forbidden, and not someone who already voted on
 * the current action. The same rules {@link judgeVote} applies to a vote, so the inbox lists
 * nothing the workflow would refuse for who the person is.
 */
export function mayDecide(approval: Pick<ApprovalState, 'approvers' | 'rules' | 'initiator' | 'votes'>, approver: VerifiedApprover): boolean {
  if (approver.via === 'link' || !approval.approvers.some((rule) => matchesRule(rule, approver))) return false;
  if (!approval.rules.allowSelfApproval && approval.initiator && isInitiator(approval.initiator, approver)) return false;
  return !approval.votes.some((vote) => personOf(vote.approver) === personOf(approver));
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

/**
 * What the workflow makes of `delivery` as a vote on `state`, in the order a person would want
 * to hear it: not a vote; not identified; for another action; a sign-in too old; not an
 * approver; their own request; no comment where one is asked; already voted (counted once).
 * Only a vote that passes everything is counted.
 */
export function judgeVote(state: ApprovalState, delivery: CallbackDelivery): VoteVerdict {
  const parsed = delivery.kind === 'complete' ? parseVote(delivery.data) : undefined;
  if (!parsed) return { kind: 'reject', reason: 'VOTE_INVALID' };
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
  if (approver.via !== 'link' && !state.approvers.some((rule) => matchesRule(rule, approver))) return { kind: 'reject', reason: 'APPROVER_NOT_ELIGIBLE' };
  if (parsed.decision === 'approve' && !rules.allowSelfApproval && state.initiator && isInitiator(state.initiator, approver)) {
    return { kind: 'reject', reason: 'SELF_APPROVAL_FORBIDDEN' };
  }
  if (rules.requireComment[parsed.decision] && parsed.comment === undefined) return { kind: 'reject', reason: 'COMMENT_REQUIRED' };
  const earlier = state.votes.find((vote) => personOf(vote.approver) === personOf(approver));
  if (earlier) return { kind: 'duplicate', sameAs: earlier.deliveryId };
  const { groups: _groups, ...who } = approver;
  return {
    kind: 'accept',
    vote: { approver: who, decision: parsed.decision, ...(parsed.comment ? { comment: parsed.comment } : {}), at: delivery.receivedAt, actionDigest: state.actionDigest, deliveryId: delivery.deliveryId },
  };
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
