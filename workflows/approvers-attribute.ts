import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { condition, upsertSearchAttributes } from '@temporalio/workflow';
import { callbackRegistry } from './callback-registry';
import { APPROVERS_SEARCH_ATTRIBUTE_NAME, approverKeysOfRules, MAX_APPROVER_KEYS } from '../protocol/approver-keys';

/**
 * The custom search attribute (KeywordList) that lists who may decide a workflow's pending
 * approvals, by identity key (`group:<name>`, `email:<address>`, `subject:<sub>`,
 * `domain:<domain>`; see `protocol/approver-keys.ts`): the gateway's `/inbox` finds a signed-in
 * person's open approvals through it, with one visibility query rather than a scan.
 * `requestApproval` keeps it up to date by itself when the worker says the attribute is
 * registered on the namespace; `temporal-dev.sh` and `tools/temporal-cluster.sh` register it, and
 * on any other cluster: `temporal operator search-attribute create --name DurableCallbacksApprovers --type KeywordList`.
 */
export const APPROVERS_SEARCH_ATTRIBUTE = defineSearchAttributeKey(APPROVERS_SEARCH_ATTRIBUTE_NAME, SearchAttributeType.KEYWORD_LIST);

/** The keys last upserted, joined ('' before the first upsert: nothing listed yet). */
let published = '';
let watching = false;

/** The keys of every pending, listed approval of this workflow: its approvers, and the delegates holding a hand-off. */
function pendingKeys(): string[] {
  const rules = [...callbackRegistry().entries.values()].flatMap((entry) => {
    const approval = entry.approval;
    if (approval?.listed !== true || approval.outcome !== undefined || entry.status !== 'pending') return [];
    return [...approval.approvers, ...(approval.delegations ?? []).filter((delegation) => delegation.lapsed !== true).map((delegation) => delegation.to)];
  });
  return approverKeysOfRules(rules).slice(0, MAX_APPROVER_KEYS);
}

/** Upserts the attribute when the keys changed; an empty list once nothing is pending. */
function publish(): void {
  const keys = pendingKeys();
  const joined = keys.join('\n');
  // Unchanged (also: never upserted and nothing to list, so nothing to clear).
  if (joined === published) return;
  published = joined;
  upsertSearchAttributes([{ key: APPROVERS_SEARCH_ATTRIBUTE, value: keys }]);
}

/** Follows every change of the pending approvals (votes, cancel, timeout) for as long as the workflow runs. */
async function watch(): Promise<void> {
  for (;;) {
    await condition(() => pendingKeys().join('\n') !== published);
    publish();
  }
}

/**
 * Lists this workflow's pending approvals in {@link APPROVERS_SEARCH_ATTRIBUTE} now, and keeps the
 * list current as they end. Called by `requestApproval` and `restoreApproval`; does nothing for
 * approvals the worker did not mark `listed` (the attribute is not registered there: upserting
 * it would fail the workflow task), so it is safe on any namespace.
 */
export function listPendingApprovals(): void {
  publish();
  if (watching) return;
  watching = true;
  void watch();
}
