import type { Client } from '@temporalio/client';
import type { ApprovalAction, ApprovalInitiator, ApprovalReport, StandingDelegation, VerifiedApprover } from '../../protocol/approval-messages';
import { APPROVERS_SEARCH_ATTRIBUTE_NAME, approverKeysOfPerson } from '../../protocol/approver-keys';
import { approvalsQuery } from '../../protocol/definitions';
import { heldDelegation, mayDecide, mayDecideOnBehalf, tally } from '../../workflows/approval-rules';
import { readStandingDelegations } from './standing-delegations';
import { describeError, type Logger } from '../logger';
import { classify, withinDeadline } from '../temporal-calls';

/**
 * What a signed-in person's inbox holds: every open approval they may decide, found through the
 * `DurableCallbacksApprovers` search attribute (one visibility query for the person's identity
 * keys, on running workflows only), then confirmed with each workflow's own `approvals` query and
 * judged with the workflow's own rules (`mayDecide`). Visibility only narrows the search; the
 * workflow says what is open, so an approval decided a moment ago is not listed even while
 * visibility lags.
 */

/** The most workflows one inbox reads (a page of the visibility query). */
export const MAX_INBOX_WORKFLOWS = 100;

/** How many workflows' `approvals` queries run at once. */
export const INBOX_QUERY_CONCURRENCY = 8;

/** One approval a person may decide, as the inbox shows it and `GET /inbox` answers it in JSON. */
export interface InboxEntry {
  workflowId: string;
  /** The first run id of the workflow's execution chain: a decision from the inbox is delivered to this chain only. */
  executionChain: string;
  callbackId: string;
  action: ApprovalAction;
  /** The digest of the action shown: post it back with the decision, so a changed action is refused (`ACTION_CHANGED`). */
  actionDigest: string;
  /** Who asked, when the workflow named them. */
  initiator?: ApprovalInitiator;
  /** When it was asked (ISO 8601). */
  requestedAt: string;
  /** When it stops waiting (ISO 8601), when it has a timeout. */
  deadline?: string;
  /** How the votes stand. */
  votes: { approvals: number; rejections: number; quorum: number; rejectQuorum: number };
  /** The approver who handed this request to the person: they decide it on that approver's behalf. */
  onBehalfOf?: { issuer: string; subject: string; email?: string; name?: string };
}

/** An inbox: the entries, and whether some workflows could not be read in time (their approvals may be missing). */
export interface Inbox {
  entries: InboxEntry[];
  incomplete: boolean;
}

/** What {@link listInbox} needs. */
export interface ListInboxOptions {
  /** Bound on the visibility query. */
  timeoutMs: number;
  /** Bound on each workflow's `approvals` query (only a worker answers it). */
  queryTimeoutMs: number;
  logger: Logger;
}

/** `value` as a visibility query string literal: single-quoted, with `\` and `'` escaped. */
export function queryLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The visibility query for the running workflows that list any of `keys` among their approvers. */
export function inboxVisibilityQuery(keys: readonly string[]): string {
  return `${APPROVERS_SEARCH_ATTRIBUTE_NAME} IN (${keys.map(queryLiteral).join(', ')}) AND ExecutionStatus = 'Running'`;
}

/** The entries of one workflow's report that `person` may decide now, themselves or for someone (a hand-off, or an out-of-office delegation in `standing`). */
function entriesOf(workflowId: string, reports: readonly ApprovalReport[], person: VerifiedApprover, standing: readonly StandingDelegation[], now: string): InboxEntry[] {
  return reports.flatMap((report): InboxEntry[] => {
    if (report.status !== 'pending' || !report.approvers || !report.executionChain) return [];
    const approval = {
      approvers: report.approvers,
      rules: report.rules,
      votes: report.votes,
      ...(report.initiator ? { initiator: report.initiator } : {}),
      ...(report.delegations ? { delegations: report.delegations } : {}),
    };
    const own = mayDecide(approval, person);
    const away = own ? undefined : mayDecideOnBehalf(approval, person, standing, now);
    if (!own && !away) return [];
    const held = heldDelegation(approval, person)?.from ?? away?.from;
    const { approvals, rejections } = tally(approval);
    return [
      {
        workflowId,
        executionChain: report.executionChain,
        callbackId: report.callbackId,
        action: report.action,
        actionDigest: report.actionDigest,
        ...(report.initiator ? { initiator: report.initiator } : {}),
        requestedAt: report.requestedAt,
        ...(report.deadline ? { deadline: report.deadline } : {}),
        votes: { approvals, rejections, quorum: report.rules.quorum, rejectQuorum: report.rules.rejectQuorum },
        ...(held
          ? { onBehalfOf: { issuer: held.issuer, subject: held.subject, ...(held.email ? { email: held.email } : {}), ...(held.name ? { name: held.name } : {}) } }
          : {}),
      },
    ];
  });
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

/**
 * The approvals `person` may decide now, oldest request first.
 * @throws `TEMPORAL_UNAVAILABLE` (or `INTERNAL_ERROR`) when the visibility query fails; a workflow
 *   whose query does not answer in time is left out and the inbox marked `incomplete`.
 */
export async function listInbox(client: Client, person: VerifiedApprover, options: ListInboxOptions): Promise<Inbox> {
  const now = new Date().toISOString();
  // The absent approvers whose requests this person may decide for them: their keys find those workflows too.
  const standing = (await readStandingDelegations(client, person, options.queryTimeoutMs, options.logger)).filter((delegation) => Date.parse(delegation.until) > Date.parse(now));
  const keys = [...new Set([...approverKeysOfPerson(person), ...standing.flatMap((delegation) => approverKeysOfPerson(delegation.from))])];
  const query = inboxVisibilityQuery(keys);
  let workflows: Array<{ workflowId: string; runId: string }>;
  try {
    workflows = await withinDeadline(client, options.timeoutMs, async () => {
      const found: Array<{ workflowId: string; runId: string }> = [];
      for await (const workflow of client.workflow.list({ query, pageSize: MAX_INBOX_WORKFLOWS })) {
        found.push({ workflowId: workflow.workflowId, runId: workflow.runId });
        if (found.length >= MAX_INBOX_WORKFLOWS) break;
      }
      return found;
    });
  } catch (err) {
    throw classify(err);
  }
  const entries: InboxEntry[] = [];
  let incomplete = workflows.length >= MAX_INBOX_WORKFLOWS;
  await eachLimited(workflows, INBOX_QUERY_CONCURRENCY, async ({ workflowId, runId }) => {
    try {
      const reports = await withinDeadline(client, options.queryTimeoutMs, () => client.workflow.getHandle(workflowId, runId).query(approvalsQuery));
      entries.push(...entriesOf(workflowId, reports, person, standing, now));
    } catch (err) {
      // No worker answered in time, or the run closed meanwhile: its approvals are not shown rather than guessed.
      incomplete = true;
      options.logger.warn("inbox left out a workflow it could not query", { workflowId, error: describeError(err) });
    }
  });
  entries.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt) || a.callbackId.localeCompare(b.callbackId));
  return { entries, incomplete };
}
