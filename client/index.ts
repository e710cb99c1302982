/**
 * durable-callbacks for Temporal clients (Node only): start the ready-made `awaitCallback`
 * workflow, or any workflow that calls `publishCallbackUrls()`, and get its URL in one round
 * trip; inspect or settle any workflow's callbacks as an operator; list a workflow's approvals and
 * verify their receipts; connect from Temporal's
 * environment configuration. Never loads `@temporalio/worker` (the protocol's definitions come
 * from `@temporalio/workflow`, which is plain JavaScript). The payload codec's client plugin is
 * `payloadCodecPlugin` in `durable-callbacks/codec`; the wire types these functions take and
 * return (`CallbackWaitResult`, `CallbackInfo`, ...) are exported by `durable-callbacks/workflows`.
 *
 * @packageDocumentation
 */
export { startAwaitCallback, type StartAwaitCallbackOptions, type StartedAwaitCallback } from './start-await-callback';
export {
  startWithCallbackUrl,
  CallbackUrlNotMintedError,
  type StartWithCallbackUrlOptions,
  type StartedWithCallbackUrl,
  type CallbackUrlOptions,
} from './start-with-callback-url';
export {
  listCallbacks,
  completeCallback,
  failCallback,
  reissueCallback,
  CallbackReissueRefusedError,
  type OperatorDeliveryOptions,
  type ReissueCallbackOptions,
} from './operate-callbacks';
export { listApprovals, ApprovalsUnavailableError } from './list-approvals';
export { reassignApproval, ReassignApprovalError, type ReassignApprovalErrorCode } from './reassign-approval';
export { listToolApprovals } from './list-tool-approvals';
export {
  verifyApprovalReceipt,
  ApprovalReceiptError,
  type ApprovalReceiptErrorCode,
  type VerifiedApprovalReceipt,
  type VerifyReceiptOptions,
} from '../tokens/approval-receipt';
export { createTemporalClient } from './create-temporal-client';
export { loadTemporalConfig, type TemporalConfig, type TemporalConnectionSettings } from '../config/temporal-config';
export { ConfigError } from '../config/config-error';
export type { Env } from '../config/load-config';
