import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
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
  return askForApprovals(client, workflowId, approvalsQuery, 'approvals', (described) =>
    `a query runs on a worker of its task queue '${described.taskQueue}', also after the workflow closed. ` +
    `Start a worker for that task queue and ask again${described.status.name === 'COMPLETED' ? ", or read the decision (with its receipt) from the workflow's result" : ''}.`,
  );
}

/**
 * Asks `workflowId` the approvals `query` names `what`; when it is not answered, an
 * {@link ApprovalsUnavailableError} saying whether the workflow is there, its status, and
 * `advice` (which worker to start): what {@link listApprovals} and `listToolApprovals` share.
 */
export async function askForApprovals<T>(
  client: Client,
  workflowId: string,
  query: QueryDefinition<T>,
  what: string,
  advice: (described: WorkflowExecutionDescription) => string,
): Promise<T> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    return await handle.query(query);
  } catch (err) {
    const described = await handle.describe().catch(() => undefined);
    if (!described) throw new ApprovalsUnavailableError(`No workflow ${workflowId} was found to ask for its ${what}.`, { cause: err });
    throw new ApprovalsUnavailableError(`Workflow ${workflowId} (${described.status.name.toLowerCase()}) did not answer the ${what} query: ${advice(described)}`, { cause: err });
  }
}
