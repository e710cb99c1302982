import type { RequestHandler } from 'express';
import { CallbackError } from '../../protocol/errors';
import { WORKFLOW_REFUSALS } from '../../protocol/workflow-refusals';
import type { VerifiedApprover } from '../../protocol/approval-messages';
import { refusing, type ContractPart } from '../contract/contract-parts';
import { authenticated, receivedBody, requestState } from '../request-state';
import { csrfTokenMatches } from './csrf';
import { readSession, signInTooOld } from './session';
import type { SignIn } from './sign-in';
import { signInNotConfigured } from './begin-sign-in';

/** The form fields (or JSON members) the gateway itself reads from a vote; only `decision`, `comment` and `delegateTo` reach the workflow. */
export const VOTE_FIELDS = { decision: 'decision', comment: 'comment', csrf: 'csrf', actionDigest: 'actionDigest', delegateTo: 'delegateTo' } as const;

/**
 * A vote's data as the workflow judges it, from the posted fields: `decision` and `comment`, and
 * for a hand-off (`decision: 'delegate'`) `delegateTo`: a form's email field becomes `{ email }`,
 * a JSON object is passed on for the workflow to judge. Nothing else of the body reaches it.
 */
export function voteDataOf(fields: Record<string, unknown>): { decision: unknown; comment?: string; delegateTo?: unknown } {
  const decision = fields[VOTE_FIELDS.decision];
  const comment = fields[VOTE_FIELDS.comment];
  const delegateTo = fields[VOTE_FIELDS.delegateTo];
  return {
    decision,
    ...(typeof comment === 'string' && comment.trim() !== '' ? { comment } : {}),
    ...(decision === 'delegate' && delegateTo !== undefined ? { delegateTo: typeof delegateTo === 'string' ? { email: delegateTo.trim() } : delegateTo } : {}),
  };
}

/** What {@link identifyVoter} refuses, before anything reaches the workflow. */
export const IDENTIFY_VOTER_PART: ContractPart = {
  refusals: {
    ...refusing('APPROVER_NOT_IDENTIFIED', 'SESSION_INVALID', 'CSRF_TOKEN_INVALID', 'SIGN_IN_TOO_OLD', 'ACTION_CHANGED'),
    SIGN_IN_NOT_CONFIGURED: ['Retry-After'],
  },
};

function fieldsOf(data: unknown): Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

/**
 * Identifies a vote posted to an approval's URL (a token with `apv`), before anything reaches the
 * workflow; passes every other delivery on untouched. For an approval that takes signed-in votes
 * it requires the `dcb_session` cookie (none: 401 `APPROVER_NOT_IDENTIFIED`; forged, expired or
 * from another provider: 401 `SESSION_INVALID`), the page's CSRF token for that session and
 * callback (403 `CSRF_TOKEN_INVALID`), and, when the approval demands it, a recent enough
 * sign-in (401 `SIGN_IN_TOO_OLD`). A posted `actionDigest` other than the token's is a stale page
 * (409 `ACTION_CHANGED`). The vote's approver and digest come from the session and the token,
 * never from the body; its data is `{ decision, comment? }` only.
 */
export function identifyVoter(signIn: SignIn | undefined): RequestHandler {
  return async (req, res, next) => {
    const { claims } = authenticated(res);
    const binding = claims.approval;
    if (!binding) return next();
    const fields = fieldsOf(receivedBody(res).data);
    let approver: VerifiedApprover | undefined;
    if (binding.identity === 'signed-in') {
      if (!signIn) throw signInNotConfigured();
      const lookup = await readSession(req, signIn.sessionKey, signIn.oidc.issuer);
      if (lookup.kind === 'none') throw new CallbackError('APPROVER_NOT_IDENTIFIED', WORKFLOW_REFUSALS.APPROVER_NOT_IDENTIFIED);
      if (lookup.kind === 'invalid') {
        throw new CallbackError('SESSION_INVALID', 'Your sign-in is not valid any more (it expired, or was not made by this gateway); nothing was recorded. Open the link again and sign in.');
      }
      const { session } = lookup;
      if (!csrfTokenMatches(signIn.sessionKey, fields[VOTE_FIELDS.csrf], session.id, claims.callbackId)) {
        throw new CallbackError('CSRF_TOKEN_INVALID', 'This vote did not come from the approval page this gateway showed you; nothing was recorded. Open the link again and decide there.');
      }
      if (signInTooOld(session.approver.authTime, binding.maxAuthAgeSeconds)) throw new CallbackError('SIGN_IN_TOO_OLD', WORKFLOW_REFUSALS.SIGN_IN_TOO_OLD);
      approver = session.approver;
    }
    const postedDigest = fields[VOTE_FIELDS.actionDigest];
    if (postedDigest !== undefined && postedDigest !== binding.actionDigest) throw new CallbackError('ACTION_CHANGED', WORKFLOW_REFUSALS.ACTION_CHANGED);
    requestState(res).vote = {
      ...(approver ? { approver } : {}),
      actionDigest: binding.actionDigest,
      data: voteDataOf(fields),
    };
    next();
  };
}
