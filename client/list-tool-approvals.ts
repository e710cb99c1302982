import type { Client } from '@temporalio/client';
import { toolApprovalsQuery } from '../protocol/definitions';
import type { ToolCallApproval } from '../protocol/tool-approval-messages';
import { ApprovalsUnavailableError } from './list-approvals';

/**
 * Lists an agent workflow's tool calls that needed approval (`withApproval`): each call's tool and
 * arguments, whether it is pending, was approved by the policy (`auto_approved`, with the reason)
 * or decided by people (the approval's id, whose record and receipt {@link listApprovals} gives),
 * and whether the tool ran. A query: a worker must run the workflow (or replay it) to answer.
 * @throws {@link ApprovalsUnavailableError} when no worker answers, or the workflow is not there.
 */
export async function listToolApprovals(client: Client, workflowId: string): Promise<ToolCallApproval[]> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    return await handle.query(toolApprovalsQuery);
  } catch (err) {
    const described = await handle.describe().catch(() => undefined);
    if (!described) throw new ApprovalsUnavailableError(`No workflow ${workflowId} was found to ask for its tool approvals.`, { cause: err });
    throw new ApprovalsUnavailableError(
      `Workflow ${workflowId} (${described.status.name.toLowerCase()}) did not answer the tool approvals query: it runs on a worker of its task queue '${described.taskQueue}' ` +
        '(also after the workflow closed), and only a workflow that used withApproval answers it. Start a worker for that task queue and ask again.',
      { cause: err },
    );
  }
}
