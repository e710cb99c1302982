import type { ApprovalOutcome, JsonValue } from './approval-messages';

/**
 * What an agent's tool call that needed approval (`withApproval`) came to: one entry per call the
 * model made, answered by the `durableCallbacks.toolApprovals` query. It is where a call a policy
 * approved without a person is recorded, with the receipt that signs the policy's decision, next
 * to the calls people decided (whose full record and signed receipt are the approval's, in
 * `durableCallbacks.approvals` under `approvalId`).
 */
export interface ToolCallApproval {
  /** The tool call's id, as the model gave it. */
  toolCallId: string;
  /** The tool's name. */
  tool: string;
  /** The exact arguments the model called it with. */
  arguments: JsonValue;
  /** `pending` while a person decides; `auto_approved` when the policy let it run; else the approval's outcome. */
  status: 'pending' | 'auto_approved' | ApprovalOutcome;
  /**
   * The approval's callback id, when a person was asked (its record and receipt in the `approvals`
   * query); for a call the policy approved with a receipt, the id of the policy's decision (the
   * receipt record's `callbackId`, in no `approvals` query: its receipt is {@link receipt}).
   */
  approvalId?: string;
  /** The digest the approval (or the policy's receipt) binds: the tool, its name and arguments, canonical JSON. */
  actionDigest?: string;
  /** Why the policy approved the call without a person. */
  autoApprovedReason?: string;
  /**
   * For a call the policy approved: the signed receipt of that decision (a compact JWS over a
   * record with `decidedBy: 'policy'` and the reason), verifiable like any approval receipt.
   * Absent with `signReceipt: false`, and for calls auto-approved by a version that did not sign
   * them. A call people decided has its receipt in the `approvals` query under `approvalId`.
   */
  receipt?: string;
  /** Whether the tool's `execute` ran (it runs at most once per call, only when approved). */
  executed: boolean;
  /** When the model's call reached the wrapper (workflow time, ISO 8601). */
  requestedAt: string;
}

/**
 * The tool result the model receives when a person did not approve a call: it says so, and why,
 * so the agent can go on (tell the user, try something else) instead of failing.
 */
export interface ToolCallRefused {
  approved: false;
  /** How the approval ended: rejected by a person, timed out, or cancelled by the workflow. */
  outcome: Exclude<ApprovalOutcome, 'approved'>;
  /** One sentence for the model: what happened to the call. */
  reason: string;
  /** The comment a person gave with their rejection, when they gave one. */
  comment?: string;
  /** The approval's callback id, to look its record up. */
  approvalId: string;
}

/**
 * An agent's tool calls, carried through continue-as-new (`toolCallsSnapshot()` in one run,
 * `resumeToolCalls()` in the next, beside `callbackSnapshot()` / `restoreCallbacks()`): every call
 * so far, for the record, and the pending ones to resume with their approvals.
 */
export interface ToolCallsSnapshot {
  calls: ToolCallApproval[];
}

/**
 * The messages that give a resumed run's model what its pending tool calls came to: the
 * assistant's calls and their results, in the AI SDK's `ModelMessage` shape, to append to the
 * conversation before the next `generateText`.
 */
export type ResumedToolMessage =
  | { role: 'assistant'; content: Array<{ type: 'tool-call'; toolCallId: string; toolName: string; input: JsonValue }> }
  | { role: 'tool'; content: Array<{ type: 'tool-result'; toolCallId: string; toolName: string; output: { type: 'json'; value: JsonValue } }> };
