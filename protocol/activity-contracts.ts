import type { ApprovalAction, ApprovalBinding, ApprovalRecord } from './approval-messages';
import type { CallbackMode, WebhookSubscriptionInfo } from './callback-messages';
import type { WebhookEvent, WebhookMailboxState } from './webhook-messages';

/**
 * The activities workflow code schedules, as interfaces both sides compile against: the minting
 * activity, and webhook routing's. Types only, sandbox-safe.
 */

/** Input of the `generateCallbackUrl` activity. The workflow id and namespace come from the activity's own context. */
export interface GenerateCallbackUrlInput {
  callbackId: string;
  /** Expiry as epoch milliseconds, computed from workflow time so replays agree. */
  expiresAt: number;
  includeApiKey: boolean;
  requireApiKey: boolean;
  allowGet: boolean;
  /** Sender whose Standard Webhooks signature requests must carry. */
  signatureSender?: string;
  /**
   * The first run id of the minting workflow's execution chain (`workflowInfo().firstExecutionRunId`),
   * which the token records so deliveries never reach a later execution reusing the workflow id.
   * Not a secret, and it only narrows: the workflow id still comes from the activity's context.
   */
  executionChain?: string;
  /**
   * For an approval: the action, whose digest the activity computes (SHA-256 over RFC 8785
   * canonical JSON) and binds into the token, and who may vote through the URL.
   */
  approval?: { action: ApprovalAction } & Omit<ApprovalBinding, 'actionDigest'>;
  /** The link generation the token records (a positive integer for a reissued link; absent for the first). */
  link?: number;
}

/** Output of the `generateCallbackUrl` activity. */
export interface GenerateCallbackUrlResult {
  url: string;
  /** For an approval: the digest of its action, as bound into the token. */
  actionDigest?: string;
  /**
   * For an approval: true when the worker found the `DurableCallbacksApprovers` search attribute
   * registered on its namespace, so `requestApproval` lists the approval's approvers in it. In the
   * activity's result, hence in history: a replay decides the same way.
   */
  approversAttribute?: boolean;
}

/** The activities the workflow helpers call; register them on every worker that runs workflows using callbacks. */
export interface CallbackActivities {
  generateCallbackUrl(input: GenerateCallbackUrlInput): Promise<GenerateCallbackUrlResult>;
}

/** What `signApprovalReceipt` returns: the receipt, a compact JWS any holder of the published keys can verify. */
export interface SignedApprovalReceipt {
  receipt: string;
  /** The id of the key that signed it (in the gateway's `/.well-known/jwks.json`). */
  kid: string;
  /** The action digest the receipt's record holds, as the activity computed and checked it (workflow code cannot hash). */
  actionDigest: string;
}

/**
 * What `signApprovalReceipt` takes: a decided approval's record, whose `actionDigest` the activity
 * checks against its action, or a policy's record (`decidedBy: 'policy'`) whose digest is left
 * empty for the activity to compute, since workflow code cannot hash.
 */
export type ApprovalRecordToSign = ApprovalRecord | (Omit<ApprovalRecord, 'decidedBy' | 'actionDigest'> & { decidedBy: 'policy'; actionDigest: '' });

/** The activities `requestApproval` calls besides minting; the `durableCallbacks` plugin registers them. */
export interface ApprovalActivities {
  /**
   * Signs the record of a decided approval with the worker's receipt key (an asymmetric key, EdDSA
   * or ES256), after computing the digest of its action and checking it against the record's
   * (`RECEIPT_DIGEST_MISMATCH` when they differ), or filling it in for a policy's record.
   */
  signApprovalReceipt(record: ApprovalRecordToSign): Promise<SignedApprovalReceipt>;
}

/**
 * Input of the `subscribeWebhook` activity. The waiting workflow's id comes from the activity's
 * own context, never from its input, so workflow code cannot subscribe some other workflow.
 */
export interface SubscribeWebhookInput extends WebhookSubscriptionInfo {
  callbackId: string;
  mode: CallbackMode;
  /** Until when (epoch ms, workflow time) the mailbox keeps the subscription. */
  expiresAt: number;
}

/** Input of the `unsubscribeWebhook` activity; as for subscribing, the waiter's workflow id comes from the activity's context. */
export interface UnsubscribeWebhookInput {
  source: string;
  key: string;
  callbackId: string;
}

/** The activities a webhook wait calls; the `durableCallbacks` plugin registers them. */
export interface WebhookActivities {
  subscribeWebhook(input: SubscribeWebhookInput): Promise<void>;
  /** Best effort: tells the mailbox a wait is over, so it stops signalling the waiter. */
  unsubscribeWebhook(input: UnsubscribeWebhookInput): Promise<void>;
}

/** Input of the `holdWebhookEvent` activity, which a `webhookEvent` workflow runs once. */
export interface HoldWebhookEventInput {
  event: WebhookEvent;
  heldUntil: number;
}

/** Input of the `recoverWebhookMailbox` activity, which a mailbox runs when it starts a new chain. */
export interface RecoverWebhookMailboxInput {
  source: string;
  key: string;
}

/** The activities the webhook workflows themselves run (`webhookEvent`, `webhookMailbox`); the `durableCallbacks` plugin registers them. */
export interface WebhookRoutingActivities {
  /** Holds the event in its mailbox and delivers it to the waits subscribed now; returns how many were signalled. */
  holdWebhookEvent(input: HoldWebhookEventInput): Promise<number>;
  /** What the previous run of a mailbox held, when that run was terminated, failed or timed out; null otherwise. */
  recoverWebhookMailbox(input: RecoverWebhookMailboxInput): Promise<WebhookMailboxState | null>;
}
