import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ApprovalActivities, ApprovalRecordToSign, SignedApprovalReceipt } from '../protocol/activity-contracts';
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
 * Workflow code cannot hash, so the activity computes the digest of the record's action itself:
 * it fills it in for a policy's record (`decidedBy: 'policy'`, sent with `actionDigest: ''`), and
 * for every other record checks it against the one the record carries, so no receipt binds a
 * digest of another action than the one it shows. It returns the digest with the receipt.
 *
 * A workflow may sign only records of itself: the record's namespace and workflow id must be the
 * activity's own (from its context, never from input), so no workflow can issue a receipt that
 * speaks for another. Refusals are non-retryable `ApplicationFailure`s: `RECEIPT_MALFORMED` for a
 * record of the wrong shape, `RECEIPT_RECORD_MISMATCH` for another workflow's record,
 * `RECEIPT_DIGEST_MISMATCH` for a record whose `actionDigest` is not its action's.
 */
export function createApprovalActivities(deps: ApprovalActivityDeps): ApprovalActivities {
  return {
    async signApprovalReceipt(record: ApprovalRecordToSign): Promise<SignedApprovalReceipt> {
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
        if (code === 'RECEIPT_MALFORMED' || code === 'RECEIPT_DIGEST_MISMATCH') throw ApplicationFailure.create({ type: code, message: (err as Error).message, nonRetryable: true });
        throw err;
      }
    },
  };
}
