import type { Client } from '@temporalio/client';
import { toolApprovalsQuery } from '../protocol/definitions';
import type { ToolCallApproval } from '../protocol/tool-approval-messages';
import { askForApprovals } from './list-approvals';

/**
 * Lists an agent workflow's tool calls that needed approval (`withApproval`): each call's tool and
 * arguments, whether it is pending, was approved by the policy (`auto_approved`, with the reason)
 * or decided by people (the approval's id, whose record and receipt {@link listApprovals} gives),
 * and whether the tool ran. A query: a worker must run the workflow (or replay it) to answer.
 * @throws `ApprovalsUnavailableError` when no worker answers, or the workflow is not there.
 */
export async function listToolApprovals(client: Client, workflowId: string): Promise<ToolCallApproval[]> {
  return askForApprovals(client, workflowId, toolApprovalsQuery, 'tool approvals', (described) =>
    `it runs on a worker of its task queue '${described.taskQueue}' ` +
    '(also after the workflow closed), and only a workflow that used withApproval answers it. Start a worker for that task queue and ask again.',
  );
}
