/**
 * Why a workflow refuses a delivery that reached it. The same code is the update validator's
 * failure type, the `reason` of a refused delivery in the `callbacks` query, and the `code` of the
 * gateway's HTTP answer: one name for each refusal from the workflow to the sender.
 */
export const WORKFLOW_REFUSALS = {
  /** A different delivery already completed this one-shot callback. */
  CALLBACK_ALREADY_COMPLETED: 'The callback was already completed by a different delivery.',
  /** The wait is over: timed out, revoked or failed. */
  CALLBACK_CLOSED: 'The wait for this callback is over (timed out, revoked or failed); the delivery was refused.',
  /** The URL was replaced by a newer link for the same wait (reissued); the wait goes on. */
  CALLBACK_LINK_REPLACED:
    'This link was replaced by a newer one for the same wait, which has not ended; ask whoever sent you the link for the current one.',
  /** The workflow has no callback with this id (minted by an earlier run that did not carry it over). */
  CALLBACK_UNKNOWN: 'The workflow does not know this callback (it was minted by an earlier run that did not carry it over).',
  /** The payload fails the callback's schema. */
  PAYLOAD_INVALID: "The payload does not match the callback's schema; see issues.",
  /** A `fail` report without `{ "error": { "message": "…" } }`. */
  INVALID_FAILURE_REPORT: 'A failure report must be JSON like {"error":{"message":"what went wrong","type":"OptionalType","details":{}}}.',
  /** An approval's vote that is not `{ "decision": "approve" | "reject", "comment"?: "…" }` (a comment of at most 2,000 characters). */
  VOTE_INVALID: 'A vote must be JSON like {"decision":"approve","comment":"why"}: decision is "approve" or "reject", and a comment is at most 2000 characters.',
  /** An approval that takes votes from signed-in people only got one nobody identified. */
  APPROVER_NOT_IDENTIFIED: 'This approval takes votes only from people who sign in; open the link in a browser and sign in to decide.',
  /** The voter is not among the approval's approvers. */
  APPROVER_NOT_ELIGIBLE: 'You are not an approver of this request; nothing was recorded.',
  /** The voter is the person who asked, and the approval does not allow approving one's own request. */
  SELF_APPROVAL_FORBIDDEN: 'You asked for this approval, so you cannot approve it yourself; nothing was recorded.',
  /** The voter signed in longer ago than the approval allows at decision time. */
  SIGN_IN_TOO_OLD: 'This approval needs a fresh sign-in at decision time; sign in again and decide.',
  /** The vote is for an action the workflow has since changed: the page was stale. */
  ACTION_CHANGED: 'The action was changed since this page was shown; reload it, read what is asked now, and decide again.',
  /** The approval asks for a comment with this decision, and the vote has none. */
  COMMENT_REQUIRED: 'This approval asks for a comment with that decision; say why and submit again.',
  /** The voter handed this request to someone else: their say is their delegate's now. */
  DELEGATED_AWAY: 'You handed this request to someone else, so your say is theirs now; nothing was recorded.',
  /** The voter holds this request on someone else's behalf, and a delegate cannot hand it on further. */
  DELEGATION_CHAIN_FORBIDDEN: 'You hold this request on someone else\'s behalf, and a delegate cannot hand it on; decide it yourself. Nothing was recorded.',
  /** The person named as delegate cannot take the request: it is yourself, its initiator, someone who already voted, or someone who already holds a say on it. */
  DELEGATE_NOT_ELIGIBLE: 'That person cannot take this request (yourself, the person who asked, someone who already voted, or someone who already holds a say on it); nothing was recorded.',
} as const;

/** A stable code for a refusal by the workflow; see {@link WORKFLOW_REFUSALS}. */
export type WorkflowRefusalCode = keyof typeof WORKFLOW_REFUSALS;

/** True when `type` (e.g. an update failure's type) is a {@link WorkflowRefusalCode}. */
export function isWorkflowRefusalCode(type: unknown): type is WorkflowRefusalCode {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(WORKFLOW_REFUSALS, type);
}
