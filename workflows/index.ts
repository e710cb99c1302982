/**
 * Workflow helpers for durable callbacks: import these in your own workflow code. Everything
 * here runs inside Temporal's workflow sandbox (deterministic, no Node APIs).
 *
 * @example
 * ```ts
 * import { createCallback } from 'durable-callbacks/workflows';
 *
 * const callback = await createCallback({ timeout: '2h' });
 * await createTicket({ title, callbackUrl: callback.url });
 * const result = await callback.wait();
 * if (result.status === 'received') use(result.data);
 *
 * // Or wait for a provider's webhook, routed by key (see docs/webhooks.md); webhookKey builds
 * // the key as the gateway derives it (here by the template {/repository/full_name}#{/pull_request/number}):
 * const merged = await waitForWebhook({ source: 'github', event: 'pull_request', key: webhookKey`${repo}#${number}` });
 * ```
 *
 * @packageDocumentation
 */
export { createCallback, callbackSnapshot, restoreCallbacks, type RestoreOptions } from './create-callback';
export { waitForQuorum, waitForAny, waitForAll, type QuorumOptions, type QuorumResult, type QuorumAnswer } from './wait-for-many';
export { markWaitingForCallbacks, WAITING_SEARCH_ATTRIBUTE } from './waiting-attribute';
export { APPROVERS_SEARCH_ATTRIBUTE } from './approvers-attribute';
export { awaitCallback, type AwaitCallbackInput } from './await-callback';
export { standingDelegations, type StandingDelegationsInput } from './standing-delegations';
export { publishCallbackUrls } from './publish-callback-urls';
export { requestApproval, restoreApproval, type Approval, type ApprovalResult, type RestoreApprovalOptions } from './request-approval';
export type { RequestApprovalOptions } from './approval-options';
export type { ApprovalState } from './approval-rules';
export type { EscalationOptions, ReachOptions } from './approval-reach';
export { withApproval, toolApprovals, toolCallsSnapshot, resumeToolCalls, type ExecutableTool, type ToolApprovalOptions, type ToolCallContext, type ToolCallInfo, type ToolInputOf, type ToolOutputOf, type ToolWithApproval } from './tool-approval';
export type { ResumedToolMessage, ToolCallApproval, ToolCallRefused, ToolCallsSnapshot } from '../protocol/tool-approval-messages';
export { mcpToolCall, type McpToolCallInput, type McpToolApproval } from './mcp-tool-call';
export { slackApprovalBlocks, slackOutcomeBlocks, approvalOutcomeLine, type SlackBlock } from './slack-approval-blocks';
export { slackCallbackBlocks, slackCallbackOutcomeBlocks, callbackOutcomeLine } from './slack-callback-blocks';
export { Notifier, notify, checkNotifyChannels, DEFAULT_NOTIFY_ACTIVITY_OPTIONS, type ApprovalSubject, type CallbackSubject, type NotifierOptions, type NotifyMessage } from './notify';
export type {
  ApprovalEnding,
  ApprovalHandOffKind,
  ApprovalHandOffNote,
  ApprovalMailInput,
  ApprovalMailSent,
  ApprovalNotice,
  ApprovalReachPlan,
  ApprovalReachStep,
  ApprovalWebhookEvent,
  ApprovalWebhookType,
  CallbackEnding,
  CallbackEndStatus,
  CallbackMailInput,
  CallbackNotice,
  CallbackNotificationKind,
  CallbackWebhookEvent,
  CallbackWebhookType,
  NotificationMailInput,
  NotificationActivities,
  NotificationChannelKind,
  NotificationError,
  NotificationFailureCode,
  NotificationKind,
  NotificationReport,
  NotificationWebhookEvent,
  NotificationWebhookInput,
  NotificationWebhookType,
  NotifyChannel,
  PostApprovalCardInput,
  SlackCardRef,
  UpdateApprovalCardInput,
} from '../protocol/notification-messages';
export { createWebhookWait, waitForWebhook } from './create-webhook-wait';
export { webhookEvent } from './webhook-event';
export { webhookKey, type WebhookKeyValue } from './webhook-key';
export { webhookMailbox } from './webhook-mailbox';
export type { Callback, CallbackEscalationOptions, CallbackLinkSettings, CallbackReach, CallbackReachOptions, CallbackSnapshot, CallbackState, CreateCallbackOptions, ReissueOptions, PayloadSchema, Wait, WaitOptions, WebhookWait, WebhookWaitOptions } from './types';
export type { CallbackDelivery, CallbackFailed, CallbackFailureInfo, CallbackFormField, CallbackFormFieldType, CallbackHeartbeatTimedOut, CallbackInfo, CallbackMethod, CallbackMode, CallbackNotified, CallbackProgress, CallbackReceived, CallbackRevoked, CallbackStatus, CallbackTimedOut, CallbackUrlsRequest, CallbackWaitResult, DeliveryKind, MintedCallbackUrl, PayloadIssue, PublishedCallbackUrls, ReissueCallbackRequest, ReissuedCallbackUrl, RejectedDelivery, RejectionReason, WebhookMatch, WebhookSubscriptionInfo, AwaitCallbackUrl } from '../protocol/callback-messages';
export type { ApprovalActivities, ApprovalRecordToSign, CallbackActivities, GenerateCallbackUrlInput, GenerateCallbackUrlResult, SignedApprovalReceipt } from '../protocol/activity-contracts';
export type {
  ApprovalAction,
  ApprovalBinding,
  ApprovalChannel,
  ApprovalDecidedBy,
  ApprovalDecision,
  ApprovalDelegation,
  ApprovalEscalation,
  ApprovalInitiator,
  ApprovalOutcome,
  ApprovalReassignment,
  ApprovalRecord,
  ApprovalReport,
  ApprovalRules,
  ApprovalVote,
  ApproverRule,
  DelegateIdentity,
  DelegationInput,
  DelegationReply,
  JsonValue,
  ReassignApprovalRequest,
  StandingDelegation,
  VerifiedApprover,
  VoteInput,
  VoteReply,
} from '../protocol/approval-messages';
export type { WorkflowRefusalCode } from '../protocol/workflow-refusals';
// The inputs of the routing workflows your worker runs (`webhookEvent`, `webhookMailbox`): the
// gateway and the plugin's activities start them; your code only exports them.
export type {
  WebhookEvent,
  WebhookEventInput,
  WebhookEventRef,
  WebhookMailboxInput,
  WebhookMailboxState,
  WebhookSubscription,
  WebhookWaiter,
} from '../protocol/webhook-messages';
