/**
 * The worked example of an approval a security team can audit: a production change that needs
 * two distinct people from the change board, not the person who asked, each signed in with the
 * organisation's identity provider; a rejection needs a reason. The workflow hands the approval
 * URL to whoever started it (`publishCallbackUrls`), waits for the decision, applies the change
 * only when approved, and returns the decision with its signed receipt.
 */
import type { Duration } from '@temporalio/common';
import { proxyActivities } from '@temporalio/workflow';
// In your own project: import { publishCallbackUrls, requestApproval, type ApprovalResult } from 'durable-callbacks/workflows';
import { publishCallbackUrls, requestApproval, type ApprovalOutcome, type ApprovalVote, type ApproverRule, type NotificationReport } from '../../workflows';
import type { ChangeActivities } from './activities';

/** A change to production, as the person who asks for it describes it. */
export interface ChangeRequest {
  /** The system changed: `prod-db-eu`. */
  system: string;
  /** What is done to it, in one line. */
  change: string;
  /** Why, for the people deciding. */
  reason: string;
  /** The change ticket. */
  ticket: string;
  /** Who asks: their email at the identity provider. They cannot approve their own change. */
  requester: string;
  /** The group whose members decide. Default `change-board`. */
  approverGroup?: string;
  /** How long the board has. Default one hour. */
  timeout?: Duration;
  /** Also ask in Slack: post the request with Approve / Reject buttons to `channel` (rewritten with the outcome at the end), where these users (of workspace `teamId`) may decide too. */
  slack?: { channel: string; teamId: string; approvers: string[] };
  /** Mail the request to these addresses (the board's list, say); reminders and the deadline warning go there too. */
  mailTo?: string[];
  /** When to remind the board if it has not decided, as times after the request: `['1h', '4h']`. */
  remind?: Duration[];
  /** Who else may decide once the board was silent this long: `{ after: '8h', to: 'head-of-ops@example.com' }` adds them and mails them. */
  escalate?: { after: Duration; to: string };
}

/** What became of the change. */
export interface ChangeDecision {
  outcome: ApprovalOutcome;
  applied: boolean;
  votes: ApprovalVote[];
  /** The signed record of the decision (verify it with `durable-callbacks approvals verify`). */
  receipt?: string;
  /** What became of each notification (the mails, the Slack card): sent, withdrawn, or why not. */
  notifications: NotificationReport[];
}

const { applyChange } = proxyActivities<ChangeActivities>({ startToCloseTimeout: '1 minute' });

/** Asks the change board to approve `request`, two of them and not the requester, and applies it only if they do. */
export async function productionChange(request: ChangeRequest): Promise<ChangeDecision> {
  publishCallbackUrls();
  const approval = await requestApproval({
    action: {
      title: `${request.change} on ${request.system}`,
      summary: request.reason,
      details: { system: request.system, change: request.change, ticket: request.ticket, requester: request.requester },
    },
    approvers: [{ group: request.approverGroup ?? 'change-board' }, ...slackApprovers(request)],
    quorum: 2,
    initiator: { email: request.requester },
    requireComment: 'reject',
    timeout: request.timeout ?? '1h',
    onTimeout: 'reject',
    label: 'approval',
    notify: [...(request.mailTo ? [{ email: { to: request.mailTo } }] : []), ...(request.slack ? [{ slack: { channel: request.slack.channel } }] : [])],
    ...(request.remind ? { remind: request.remind } : {}),
    ...(request.escalate ? { escalate: { after: request.escalate.after, to: { approvers: [{ email: request.escalate.to }], notify: [{ email: { to: [request.escalate.to] } }] } } } : {}),
  });
  const { outcome, votes, receipt, notifications } = await approval.decision();
  const applied = outcome === 'approved';
  if (applied) await applyChange({ system: request.system, change: request.change, ticket: request.ticket });
  return { outcome, applied, votes, ...(receipt ? { receipt } : {}), notifications };
}

/** The Slack users who may decide too, each only from the request's workspace. */
function slackApprovers(request: ChangeRequest): ApproverRule[] {
  return (request.slack?.approvers ?? []).map((slackUserId) => ({ slackUserId, slackTeamId: request.slack!.teamId }));
}
