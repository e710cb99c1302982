import type { Client } from '@temporalio/client';
import { approvalsQuery } from '../protocol/definitions';
import type { ApprovalReport } from '../protocol/approval-messages';

/**
 * The approvals query could not be answered: no worker for the workflow's task queue answered
 * it (a query runs on a worker, also after the workflow closed), or the workflow is not there.
 * `code` is stable; the message says which, and what to do.
 */
export class ApprovalsUnavailableError extends Error {
  override readonly name = 'ApprovalsUnavailableError';
  readonly code = 'APPROVALS_UNAVAILABLE';
}

/**
 * Lists a workflow's approvals (`requestApproval`), pending and decided: each with its action,
 * digest, rules and counted votes, and once decided its record and receipt. What
 * `durable-callbacks approvals show` prints; never a URL or a key. A query: a worker must run the
 * workflow (or, once it closed, replay it) to answer.
 * @throws {@link ApprovalsUnavailableError} when no worker answers, saying which task queue needs one.
 */
export async function listApprovals(client: Client, workflowId: string): Promise<ApprovalReport[]> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    return await handle.query(approvalsQuery);
  } catch (err) {
    const described = await handle.describe().catch(() => undefined);
    if (!described) throw new ApprovalsUnavailableError(`No workflow ${workflowId} was found to ask for its approvals.`, { cause: err });
    throw new ApprovalsUnavailableError(
      `Workflow ${workflowId} (${described.status.name.toLowerCase()}) did not answer the approvals query: a query runs on a worker of its task queue '${described.taskQueue}', also after the workflow closed. ` +
        `Start a worker for that task queue and ask again${described.status.name === 'COMPLETED' ? ", or read the decision (with its receipt) from the workflow's result" : ''}.`,
      { cause: err },
    );
  }
}
