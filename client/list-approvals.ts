import type { Client } from '@temporalio/client';
import { approvalsQuery } from '../protocol/definitions';
import type { ApprovalReport } from '../protocol/approval-messages';

/**
 * Lists a workflow's approvals (`requestApproval`), pending and decided: each with its action,
 * digest, rules and counted votes, and once decided its record and receipt. What
 * `durable-callbacks approvals show` prints; never a URL or a key. A query: a worker must run the
 * workflow (or, once it closed, replay it) to answer.
 */
export function listApprovals(client: Client, workflowId: string): Promise<ApprovalReport[]> {
  return client.workflow.getHandle(workflowId).query(approvalsQuery);
}
