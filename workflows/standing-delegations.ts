import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { revokeStandingDelegationUpdate, setStandingDelegationUpdate, standingDelegationsQuery, standingDelegationsWorkflowId } from '../protocol/definitions';
import type { StandingDelegation } from '../protocol/approval-messages';

/** Input of {@link standingDelegations}: what the run before carried over. */
export interface StandingDelegationsInput {
  delegations?: StandingDelegation[];
}

/** The longest an out-of-office delegation may run: 180 days. */
export const MAX_STANDING_DELEGATION_MS = 180 * 24 * 60 * 60 * 1000;

const samePerson = (a: { issuer: string; subject: string }, b: { issuer: string; subject: string }) => a.issuer === b.issuer && a.subject === b.subject;

/**
 * The out-of-office delegations to one delegate (workflow id from `standingDelegationsWorkflowId`),
 * held durably in Temporal rather than in a gateway's memory: the gateway sets and revokes them
 * for a signed-in person (update-with-start), and reads them (a query) when the delegate votes or
 * opens the inbox. Each person holds at most one delegation here; expired ones are dropped at the
 * next change. Runs until Temporal suggests continue-as-new, then carries what is live over.
 * The workers that serve approvals register it (the ready-made worker does).
 */
export async function standingDelegations(input: StandingDelegationsInput = {}): Promise<void> {
  let held = [...(input.delegations ?? [])];
  const live = () => held.filter((delegation) => Date.parse(delegation.until) > Date.now());
  setHandler(standingDelegationsQuery, () => held);
  setHandler(
    setStandingDelegationUpdate,
    (delegation) => {
      held = [...live().filter((each) => !samePerson(each.from, delegation.from)), delegation];
      return held;
    },
    {
      validator: (delegation) => {
        const until = Date.parse(delegation?.until);
        const to = delegation?.to?.email;
        if (typeof to !== 'string' || standingDelegationsWorkflowId(to) !== workflowInfo().workflowId) {
          throw ApplicationFailure.create({ type: 'INVALID_CALLBACK_OPTIONS', message: 'This delegation names another delegate than this workflow holds delegations for.', nonRetryable: true });
        }
        if (!(until > Date.now() && until - Date.now() <= MAX_STANDING_DELEGATION_MS)) {
          throw ApplicationFailure.create({ type: 'INVALID_CALLBACK_OPTIONS', message: 'until is a time in the future, at most 180 days ahead.', nonRetryable: true });
        }
      },
    },
  );
  setHandler(revokeStandingDelegationUpdate, (person) => {
    held = live().filter((each) => !samePerson(each.from, person));
    return held;
  });
  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof standingDelegations>({ delegations: live() });
}
