import type { ApprovalDecision } from './approval-messages';

/**
 * The format of a Slack approval button's `value`, shared by the workflow helper that posts the
 * buttons (`slackApprovalBlocks`) and the gateway route that reads a click (`POST /approvals/slack`).
 * Pure and sandbox-safe.
 */

/** The longest `value` Slack accepts on a Block Kit button. */
export const SLACK_BUTTON_VALUE_MAX = 2000;

/**
 * The `action_id`s of the approval's two buttons (the gateway reads the decision from the value, not
 * from these), and of a callback card's Open link button, whose clicks Slack also reports and the
 * gateway acknowledges without doing anything.
 */
export const SLACK_ACTION_IDS = { approve: 'durable_callbacks_approve', reject: 'durable_callbacks_reject', open: 'durable_callbacks_open' } as const;

/** A button's value: `approve|<token>` or `reject|<token>`, the token being the last path segment of the approval's URL. */
export function slackButtonValue(decision: ApprovalDecision, token: string): string {
  return `${decision}|${token}`;
}

/** The decision and token a button's value carries, or undefined when it is not one of ours. */
export function parseSlackButtonValue(value: unknown): { decision: ApprovalDecision; token: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(approve|reject)\|([A-Za-z0-9_.-]+)$/.exec(value);
  return match ? { decision: match[1] as ApprovalDecision, token: match[2]! } : undefined;
}
