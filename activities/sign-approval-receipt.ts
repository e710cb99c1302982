import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ApprovalRecord } from '../protocol/approval-messages';
import type { ApprovalActivities, SignedApprovalReceipt } from '../protocol/activity-contracts';
import type { ReceiptKeyRing } from '../keys/receipt-keys';
import { signApprovalReceipt } from '../tokens/approval-receipt';

/** What the receipt activity needs, built once per worker from its configuration. */
export interface ApprovalActivityDeps {
  /** The worker's receipt keys; the active one signs. */
  keys: ReceiptKeyRing;
  /** The `iss` of every receipt (`APPROVAL_RECEIPT_ISSUER`). */
  issuer: string;
}

/**
 * Builds the activities `requestApproval` runs besides minting: `signApprovalReceipt`, which signs
 * the record the workflow computed (deterministically, from its history) with the worker's receipt
 * key, adding no clock reading but the JWS `iat`. The `durableCallbacks` plugin registers it.
 *
 * A workflow may sign only records of itself: the record's namespace and workflow id must be the
 * activity's own (from its context, never from input), so no workflow can issue a receipt that
 * speaks for another. Refusals are non-retryable `ApplicationFailure`s: `RECEIPT_MALFORMED` for a
 * record of the wrong shape, `RECEIPT_RECORD_MISMATCH` for another workflow's record.
 */
export function createApprovalActivities(deps: ApprovalActivityDeps): ApprovalActivities {
  return {
    async signApprovalReceipt(record: ApprovalRecord): Promise<SignedApprovalReceipt> {
      const { namespace, workflowExecution } = Context.current().info;
      if (!workflowExecution || record?.namespace !== namespace || record.workflowId !== workflowExecution.workflowId) {
        throw ApplicationFailure.create({
          type: 'RECEIPT_RECORD_MISMATCH',
          message: `signApprovalReceipt signs only records of the workflow that schedules it (${namespace}/${workflowExecution?.workflowId ?? 'no workflow'}); this record names ${record?.namespace}/${record?.workflowId}.`,
          nonRetryable: true,
        });
      }
      try {
        return await signApprovalReceipt(record, deps.keys.active, deps.issuer);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 'RECEIPT_MALFORMED') throw ApplicationFailure.create({ type: code, message: (err as Error).message, nonRetryable: true });
        throw err;
      }
    },
  };
}
