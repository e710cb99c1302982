import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { StandingDelegation, VerifiedApprover } from '../../protocol/approval-messages';
import { CallbackError } from '../../protocol/errors';
import {
  revokeStandingDelegationUpdate,
  setStandingDelegationUpdate,
  STANDING_DELEGATIONS_WORKFLOW,
  standingDelegationsQuery,
  standingDelegationsWorkflowId,
} from '../../protocol/definitions';
import { describeError, type Logger } from '../logger';
import { classify, withinDeadline } from '../temporal-calls';

/**
 * Out-of-office delegations, as the gateway reaches them: each delegate's `standingDelegations`
 * workflow (keyed by the delegate's verified email) holds the delegations to them. The gateway
 * sets and revokes them for a signed-in person, and reads a voter's when they vote or open the
 * inbox; the approval workflow judges them.
 */

/** The person's verified email, lower-cased, or undefined: only a verified email names a delegate. */
function verifiedEmailOf(person: Pick<VerifiedApprover, 'email' | 'emailVerified'>): string | undefined {
  return person.email !== undefined && person.emailVerified === true ? person.email.toLowerCase() : undefined;
}

/**
 * The out-of-office delegations `person` holds (expired ones included: the approval workflow
 * judges `until` against the vote's time). None when they have no verified email, nobody ever
 * named them, or their workflow cannot be read in time (logged): a vote then counts as their own
 * only, and the inbox shows their own approvals.
 */
export async function readStandingDelegations(client: Client, person: VerifiedApprover, timeoutMs: number, logger: Logger): Promise<StandingDelegation[]> {
  const email = verifiedEmailOf(person);
  if (person.via !== 'oidc' || email === undefined) return [];
  try {
    return await withinDeadline(client, timeoutMs, () => client.workflow.getHandle(standingDelegationsWorkflowId(email)).query(standingDelegationsQuery));
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) logger.warn('standing delegations could not be read; the voter acts for themselves only', { error: describeError(err) });
    return [];
  }
}

/** The refusal of a delegation that names no delegate, or no time ahead to run until. */
export function delegationInvalid(message: string): CallbackError {
  return new CallbackError('DELEGATION_INVALID', message);
}

/** Runs an update on a delegate's workflow, turning its refusal into `DELEGATION_INVALID` and Temporal's failures into their codes. */
async function updating<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw delegationInvalid(err.cause?.message ?? 'The delegation was refused.');
    throw classify(err);
  }
}

/**
 * Names `to` (a verified email) the delegate of `from` until `until`, replacing `from`'s earlier
 * delegation to them: update-with-start on the delegate's workflow, on `taskQueue`.
 * @throws `DELEGATION_INVALID` when the workflow refuses it (an `until` in the past or over 180 days ahead).
 */
export function setStandingDelegation(client: Client, taskQueue: string, delegation: StandingDelegation, timeoutMs: number): Promise<StandingDelegation[]> {
  const workflowId = standingDelegationsWorkflowId(delegation.to.email);
  return updating(() =>
    withinDeadline(client, timeoutMs, () =>
      client.workflow.executeUpdateWithStart(setStandingDelegationUpdate, {
        args: [delegation],
        startWorkflowOperation: new WithStartWorkflowOperation(STANDING_DELEGATIONS_WORKFLOW, { workflowId, taskQueue, args: [{}], workflowIdConflictPolicy: 'USE_EXISTING' }),
      }),
    ),
  );
}

/** Ends `from`'s delegation to `to`; nothing to end (nobody ever named `to`) is not an error. */
export async function revokeStandingDelegation(client: Client, from: Pick<VerifiedApprover, 'issuer' | 'subject'>, to: string, timeoutMs: number): Promise<void> {
  try {
    await withinDeadline(client, timeoutMs, () =>
      client.workflow.getHandle(standingDelegationsWorkflowId(to)).executeUpdate(revokeStandingDelegationUpdate, { args: [{ issuer: from.issuer, subject: from.subject }] }),
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return;
    if (err instanceof WorkflowUpdateFailedError) throw delegationInvalid(err.cause?.message ?? 'The revocation was refused.');
    throw classify(err);
  }
}
