import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AwaitCallbackUrl, CallbackDelivery, CallbackFailureInfo, CallbackInfo, CallbackStatusReport, CallbackUrlsRequest, DeliveryReceipt, PublishedCallbackUrls, ReissueCallbackRequest, ReissuedCallbackUrl, SyncDeliveryResult } from './callback-messages';
import type { WebhookEvent, WebhookEventRef, WebhookMailboxState, WebhookMailboxView, WebhookSubscription, WebhookUnsubscription, WebhookWaiter } from './webhook-messages';
import type { ApprovalReassignment, ApprovalReport, ReassignApprovalRequest, StandingDelegation } from './approval-messages';
import type { ToolCallApproval } from './tool-approval-messages';
import { NAME_PATTERN } from './names';

/**
 * The wire protocol between the gateway (or any client) and a workflow that waits for
 * callbacks: the signal, update and query names, and the refusals a workflow can answer with.
 * Defined once, in sandbox-safe code, and imported by the workflow helpers, the gateway, the
 * client helpers and the tests, so no name can drift between them. Not part of the workflow
 * entry point: workflow authors never need it.
 */

/** Sent by the gateway for each accepted delivery: the default, durable path (`202`). */
export const deliverCallbackSignal = defineSignal<[CallbackDelivery]>('durableCallbacks.deliver');

/**
 * Sent by the gateway when a sender asks for a synchronous answer (`Prefer: wait=N`): its
 * validator refuses what the workflow would not take, with a {@link WorkflowRefusalCode} as the
 * failure type; its result is the workflow's reply.
 */
export const deliverCallbackUpdate = defineUpdate<SyncDeliveryResult, [CallbackDelivery]>('durableCallbacks.deliverSync');

/** Lists the workflow's callbacks: ids, statuses, deliveries, progress, refusals; never URLs or keys. */
export const callbacksQuery = defineQuery<CallbackInfo[]>('durableCallbacks.callbacks');

/**
 * What the workflow says about one callback and, given a delivery id, that delivery's outcome;
 * null when the workflow does not know the callback. Behind the gateway's `GET …/status`.
 */
export const callbackStatusQuery = defineQuery<CallbackStatusReport | null, [callbackId: string, deliveryId?: string]>('durableCallbacks.status');

/**
 * What the workflow knows of one delivery id of one callback: whether it was applied and, for a
 * synchronous delivery, the status and reply its answer carried; null when the workflow does not
 * know the callback. The gateway asks the last run of a closed chain for a retry's receipt: that
 * run carries every earlier run's delivery-id memory, so one query answers for the whole chain.
 */
export const deliveryReceiptQuery = defineQuery<DeliveryReceipt | null, [callbackId: string, deliveryId: string]>('durableCallbacks.receipt');

/**
 * Reissues one pending callback's URL (an operator's `durable-callbacks callbacks reissue`): the
 * workflow mints a new URL for the same wait, and refuses the old one from then on with
 * `CALLBACK_LINK_REPLACED`. Its validator refuses an unknown callback (`CALLBACK_UNKNOWN`), one
 * whose wait is over (`CALLBACK_CLOSED`) and a webhook wait (`INVALID_CALLBACK_OPTIONS`).
 */
export const reissueCallbackUpdate = defineUpdate<ReissuedCallbackUrl, [ReissueCallbackRequest]>('durableCallbacks.reissueCallback');

/** Answered by the `awaitCallback` workflow: its callback URL, or null until it is minted. */
export const callbackUrlQuery = defineQuery<string | null>('durableCallbacks.callbackUrl');

/** A workflow's approvals (`requestApproval`), pending and decided, with their votes and receipts; `durable-callbacks approvals show` reads it. */
export const approvalsQuery = defineQuery<ApprovalReport[]>('durableCallbacks.approvals');

/**
 * Sent by an operator (`reassignApproval`, `durable-callbacks approvals reassign`): replaces the
 * approvers of one pending approval, recorded with the reason. Its validator refuses an unknown
 * callback (`CALLBACK_UNKNOWN`), a decided one (`CALLBACK_CLOSED`) and bad approvers or reason
 * (`INVALID_CALLBACK_OPTIONS`) before anything is recorded; its result is the reassignment.
 */
export const reassignApprovalUpdate = defineUpdate<ApprovalReassignment, [ReassignApprovalRequest]>('durableCallbacks.reassignApproval');

/** The workflow type that holds the out-of-office delegations to one delegate, as workers register it and the gateway starts it. */
export const STANDING_DELEGATIONS_WORKFLOW = 'standingDelegations';

/** The prefix of every `standingDelegations` workflow id: `durable-callbacks-delegations:email:<the delegate's email, lower-cased>`. */
export const STANDING_DELEGATIONS_ID_PREFIX = 'durable-callbacks-delegations:';

/** The id of the `standingDelegations` workflow of the delegate with verified email `email`. */
export function standingDelegationsWorkflowId(email: string): string {
  return `${STANDING_DELEGATIONS_ID_PREFIX}email:${email.toLowerCase()}`;
}

/** Sent by the gateway (`POST /inbox/delegation`, update-with-start): `from` names this workflow's delegate until `until`; replaces `from`'s earlier one. Answers the delegations held. */
export const setStandingDelegationUpdate = defineUpdate<StandingDelegation[], [StandingDelegation]>('durableCallbacks.setStandingDelegation');

/** Sent by the gateway (`DELETE /inbox/delegation`): ends the delegation of the person named (issuer and subject). Answers the delegations held. */
export const revokeStandingDelegationUpdate = defineUpdate<StandingDelegation[], [{ issuer: string; subject: string }]>('durableCallbacks.revokeStandingDelegation');

/** Answered by a `standingDelegations` workflow: the delegations it holds (expired ones too, until pruned: the approval workflow judges `until`). */
export const standingDelegationsQuery = defineQuery<StandingDelegation[]>('durableCallbacks.standingDelegations');

/**
 * Answered by the `awaitCallback` workflow once its URL is minted: the way a client gets the URL
 * in the same round trip that starts the workflow (update-with-start), without polling.
 */
export const awaitCallbackUrlUpdate = defineUpdate<AwaitCallbackUrl>('durableCallbacks.awaitCallbackUrl');

/**
 * Answered by any workflow that called `publishCallbackUrls()`, once it minted the URLs asked
 * for: how the `startWithCallbackUrl` client helper gets them in the round trip that starts the
 * workflow (update-with-start). Fails with `CALLBACK_URL_NOT_MINTED` after `timeoutMs`.
 */
export const callbackUrlsUpdate = defineUpdate<PublishedCallbackUrls, [CallbackUrlsRequest]>('durableCallbacks.callbackUrls');

/** The failure type of {@link callbackUrlsUpdate} when the URLs asked for were not minted in time. */
export const CALLBACK_URL_NOT_MINTED = 'CALLBACK_URL_NOT_MINTED';

/**
 * Sent by a `webhookEvent`'s `holdWebhookEvent` activity (with update-with-start) to the mailbox
 * of its (source, key): the mailbox holds the reference and answers with the subscribers to
 * deliver it to now (a `once` subscriber is counted as served).
 */
export const webhookHoldUpdate = defineUpdate<WebhookWaiter[], [WebhookEventRef]>('durableCallbacks.webhookHold');

/**
 * Sent by the `subscribeWebhook` activity (with update-with-start) to a mailbox: a waiter for its
 * (source, key). The answer is the held events to deliver to it now (for a `once` waiter, the first).
 */
export const webhookSubscribeUpdate = defineUpdate<WebhookEventRef[], [WebhookSubscription]>('durableCallbacks.webhookSubscribe');

/**
 * Sent by the `subscribeWebhook` activity once it delivered the held events a subscription was
 * answered with: the answer is the events that arrived meanwhile (deliver them, and ask again),
 * or none, and then the subscriber is live, so its events reach it in the order the mailbox took them.
 */
export const webhookCaughtUpUpdate = defineUpdate<WebhookEventRef[], [WebhookWaiter]>('durableCallbacks.webhookCaughtUp');

/**
 * Sent by the `unsubscribeWebhook` activity to a mailbox when a webhook wait is no longer pending
 * (received, timed out, revoked, closed, failed): the mailbox stops serving that waiter.
 */
export const webhookUnsubscribeSignal = defineSignal<[WebhookUnsubscription]>('durableCallbacks.webhookUnsubscribe');

/** Answered by a `webhookMailbox`: the events it holds and the waiters it serves (for the CLI and operators). */
export const webhookMailboxQuery = defineQuery<WebhookMailboxView>('durableCallbacks.webhookMailbox');

/**
 * Answered by a `webhookMailbox`, also after it ended: everything it holds, as it carries it
 * across continue-as-new. A mailbox that starts a new chain reads it from the run before, if
 * that run was terminated, failed or timed out, so no subscription or held event is lost with it.
 */
export const webhookMailboxStateQuery = defineQuery<WebhookMailboxState>('durableCallbacks.webhookMailboxState');

/** Answered by a `webhookEvent`: the verified event it holds, for a waiter that subscribes later. */
export const webhookEventQuery = defineQuery<WebhookEvent>('durableCallbacks.webhookEvent');

/** The workflow type that holds one verified provider event: the gateway starts one per event. */
export const WEBHOOK_EVENT_WORKFLOW = 'webhookEvent';

/** The prefix of every held event's workflow id: `durable-callbacks-event:<source>:<sha256 hex of its replay id>`. */
export const WEBHOOK_EVENT_ID_PREFIX = 'durable-callbacks-event:';

/** The workflow type of the per-(source, key) mailbox, as workers register it and the gateway starts it. */
export const WEBHOOK_MAILBOX_WORKFLOW = 'webhookMailbox';

/** The prefix of every mailbox's workflow id: `durable-callbacks-mailbox:<source>:<sha256 hex of the key>`. */
export const WEBHOOK_MAILBOX_ID_PREFIX = 'durable-callbacks-mailbox:';

/** How long an event is held for waits that begin later, unless configured otherwise: 24 hours. */
export const DEFAULT_WEBHOOK_HOLD_MS = 24 * 60 * 60 * 1000;

/** Which sources a gateway takes and a wait may name: 1 to 64 of A-Z a-z 0-9 . _ - (they appear in URLs and workflow ids). */
export const WEBHOOK_SOURCE_PATTERN = NAME_PATTERN;

/** The longest key a webhook wait may name (and the gateway routes by), in characters. */
export const MAX_WEBHOOK_KEY_LENGTH = 1024;

// The refusal codes live in workflow-refusals.ts, which types.ts imports without importing this file.
export { WORKFLOW_REFUSALS, isWorkflowRefusalCode, type WorkflowRefusalCode } from './workflow-refusals';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The sender's error from a `fail` body, or undefined when the body is not a failure report:
 * `{ "error": { "message": <non-empty string>, "type"?: <string>, "details"?: <any JSON> } }`
 * (other fields are ignored). The one rule for failure reports: the gateway refuses other
 * bodies with `INVALID_FAILURE_REPORT` before they reach Temporal, and the workflow applies it
 * to deliveries that reach it another way. Hand-written rather than a schema library's, because
 * workflow code's module state is evaluated once per workflow in Temporal's sandbox: a library
 * here would cost every waiting workflow its memory (see docs/workflow-authors.md).
 */
export function parseFailureReport(data: unknown): CallbackFailureInfo | undefined {
  if (!isRecord(data) || !isRecord(data.error)) return undefined;
  const { message, type, details } = data.error;
  if (typeof message !== 'string' || message.length === 0) return undefined;
  if (type !== undefined && typeof type !== 'string') return undefined;
  return { message, ...(type === undefined ? {} : { type }), ...(details === undefined ? {} : { details }) };
}

/** A workflow's agent tool calls that needed approval (`withApproval`), with what each came to: pending, decided by people, or approved by a policy. */
export const toolApprovalsQuery = defineQuery<ToolCallApproval[]>('durableCallbacks.toolApprovals');
