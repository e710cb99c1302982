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
  /** The workflow has no callback with this id (minted by an earlier run that did not carry it over). */
  CALLBACK_UNKNOWN: 'The workflow does not know this callback (it was minted by an earlier run that did not carry it over).',
  /** The payload fails the callback's schema. */
  PAYLOAD_INVALID: "The payload does not match the callback's schema; see issues.",
  /** A `fail` report without `{ "error": { "message": "…" } }`. */
  INVALID_FAILURE_REPORT: 'A failure report must be JSON like {"error":{"message":"what went wrong","type":"OptionalType","details":{}}}.',
} as const;

/** A stable code for a refusal by the workflow; see {@link WORKFLOW_REFUSALS}. */
export type WorkflowRefusalCode = keyof typeof WORKFLOW_REFUSALS;

/** True when `type` (e.g. an update failure's type) is a {@link WorkflowRefusalCode}. */
export function isWorkflowRefusalCode(type: unknown): type is WorkflowRefusalCode {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(WORKFLOW_REFUSALS, type);
}
