import type { Client } from '@temporalio/client';
import type { Request, RequestHandler } from 'express';
import { describeError, type Logger } from '../logger';
import { callbacksQuery, WORKFLOW_REFUSALS } from '../../protocol/definitions';
import { CallbackError } from '../../protocol/errors';
import { linkReplaced } from './callback-status';
import type { CallbackInfo } from '../../protocol/callback-messages';
import { renderApprovalPage, renderClosedPage, renderSignedOnlyPage, sendPage } from '../html-pages';
import { refusing, type ContractPart } from '../contract/contract-parts';
import { authenticated, requestState } from '../request-state';
import { chainHead, chainRefusal, withinDeadline, type CallbackTarget } from '../temporal-calls';
import type { CallbackClaims } from '../../tokens/callback-token';
import { renderApprovalDecisionPage, type ApprovalVoter } from '../approval-decision-page';
import { queryOf, signInNotConfigured, SIGN_IN_PATH } from '../sign-in/begin-sign-in';
import { csrfTokenFor } from '../sign-in/csrf';
import { readSession, signInTooOld } from '../sign-in/session';
import type { SignIn } from '../sign-in/sign-in';
import { expressPath } from '../contract/route-contract';

/** What the approval page needs: the workflow's `callbacks` query, bounded, and a log for when it fails. */
export interface ApprovalPageDeps {
  /** A Temporal client for the namespace the gateway serves. */
  client: Client;
  /** Bound on the Temporal calls that read the callback's details. */
  timeoutMs: number;
  /** Where a page shown without the workflow's details is noted. */
  logger: Logger;
  /** Sign-in, for approvals that take signed-in votes; without it their page is refused (503 `SIGN_IN_NOT_CONFIGURED`). */
  signIn?: SignIn;
}

/**
 * What {@link approvalPage} refuses: a workflow that is gone. A closed one gets the page that says
 * so, and one Temporal cannot describe in time the page without details.
 */
export const APPROVAL_PAGE_PART: ContractPart = { refusals: { ...refusing('WORKFLOW_NOT_FOUND', 'INTERNAL_ERROR', 'CALLBACK_LINK_REPLACED'), SIGN_IN_NOT_CONFIGURED: ['Retry-After'] } };

/** What the workflow said about the callback, or why it could not say. */
type PageState = { kind: 'info'; info: CallbackInfo | undefined } | { kind: 'workflow_closed'; info?: CallbackInfo } | { kind: 'unavailable' };

async function pageState(client: Client, target: CallbackTarget & Pick<CallbackClaims, 'approval'>, callbackId: string, timeoutMs: number, logger: Logger): Promise<PageState> {
  const deadline = Date.now() + timeoutMs;
  const { workflowId } = target;
  let head: Awaited<ReturnType<typeof chainHead>>;
  try {
    head = await chainHead(client, target, timeoutMs);
  } catch (err) {
    logger.warn('approval page shown without the workflow\'s details', { workflowId, callbackId, error: describeError(err) });
    return { kind: 'unavailable' };
  }
  // A closed (or replaced) chain may still answer queries (replayed by a worker); its callbacks cannot be answered.
  if (head.kind === 'closed' || head.kind === 'replaced') return target.approval && head.kind === 'closed' ? closedApprovalState(client, workflowId, head.runId, callbackId, deadline) : { kind: 'workflow_closed' };
  if (head.kind === 'missing') throw chainRefusal(head);
  try {
    const handle = client.workflow.getHandle(workflowId, head.runId);
    const callbacks = await withinDeadline(client, Math.max(deadline - Date.now(), 1), () => handle.query(callbacksQuery));
    return { kind: 'info', info: callbacks.find((callback) => callback.id === callbackId) };
  } catch (err) {
    // No worker answered in time, or Temporal is unreachable: show the page without details.
    logger.warn('approval page shown without the workflow\'s details', { workflowId, callbackId, error: describeError(err) });
    return { kind: 'unavailable' };
  }
}

/**
 * A closed workflow's approval, asked once more (a worker replays it) for its outcome, so a link
 * opened after the decision (a mailed one) says how it ended; without an answer in time, the page
 * just says the process finished.
 */
async function closedApprovalState(client: Client, workflowId: string, runId: string | undefined, callbackId: string, deadline: number): Promise<PageState> {
  try {
    const callbacks = await withinDeadline(client, Math.max(deadline - Date.now(), 1), () => client.workflow.getHandle(workflowId, runId).query(callbacksQuery));
    const info = callbacks.find((callback) => callback.id === callbackId);
    return info?.approval?.outcome ? { kind: 'workflow_closed', info } : { kind: 'workflow_closed' };
  } catch {
    return { kind: 'workflow_closed' };
  }
}

/**
 * How the person looking at an approval's page may decide: as a link holder, signed in (with the
 * CSRF token for their session and this callback), or after signing in (none, an invalid
 * session, or one older than the approval allows).
 */
async function voterOf(req: Request, claims: CallbackClaims, token: string, signIn: SignIn | undefined): Promise<ApprovalVoter> {
  const binding = claims.approval!;
  if (binding.identity === 'link-holder') return { kind: 'link-holder' };
  if (!signIn) throw signInNotConfigured();
  const signInHref = `${signIn.basePath}${expressPath(SIGN_IN_PATH).replace(':token', encodeURIComponent(token))}${queryOf(req.originalUrl)}`;
  const lookup = await readSession(req, signIn.sessionKey, signIn.oidc.issuer);
  if (lookup.kind === 'none') return { kind: 'sign-in', signInHref };
  if (lookup.kind === 'invalid') return { kind: 'sign-in', signInHref, reason: 'invalid' };
  const { approver, id } = lookup.session;
  if (signInTooOld(approver.authTime, binding.maxAuthAgeSeconds)) return { kind: 'sign-in', signInHref, reason: 'too-old' };
  return { kind: 'signed-in', approver, csrf: csrfTokenFor(signIn.sessionKey, id, claims.callbackId) };
}

/**
 * The browser's view of a callback URL: answers a GET marked HTML (by `markHtmlRequests`) with
 * the approval page, and passes every other request on to the delivery handlers. It sits in the
 * callback URL's GET chain after authentication rather than on a route of its own, so a person's
 * browser and a machine's GET share one token check and one rate-limit count, and a browser's
 * GET (or a link preview's) can never fall through to a delivery.
 *
 * Reads the callback's `title`, `description` and `form` with the workflow's `callbacks` query,
 * bounded by `timeoutMs`: a callback that is no longer pending gets the "already answered /
 * closed" page without buttons; one whose link was reissued since, the 410 `CALLBACK_LINK_REPLACED`
 * page (this link was replaced), without buttons; when the query fails (no worker) the page still lets the person
 * answer. Never delivers anything.
 *
 * An approval's URL (a token with `apv`) gets the approval decision page instead: the action
 * (the workflow's `approval.action`, else its title and description), its digest, and for one
 * that takes signed-in votes a "Sign in to decide" link until a valid, recent enough session
 * cookie is present, then Approve / Reject with the session's CSRF token. Without a sign-in
 * provider configured such a page is refused (503 `SIGN_IN_NOT_CONFIGURED`).
 */
export function approvalPage({ client, timeoutMs, logger, signIn }: ApprovalPageDeps): RequestHandler {
  return async (req, res, next) => {
    if (req.method !== 'GET' || !requestState(res).html) return next();
    const { claims } = authenticated(res);
    if (claims.signatureSender !== undefined) return sendPage(res, 200, renderSignedOnlyPage());
    if (claims.approval?.identity === 'signed-in' && !signIn) throw signInNotConfigured();
    const state = await pageState(client, claims, claims.callbackId, timeoutMs, logger);
    if (state.kind === 'workflow_closed') {
      const decided = state.info?.approval;
      return sendPage(res, 200, renderClosedPage({ reason: 'workflow_closed', ...(decided?.outcome ? { title: decided.action.title, outcome: decided.outcome } : {}) }));
    }
    const info = state.kind === 'info' ? state.info : undefined;
    if (state.kind === 'info' && !info) return sendPage(res, 200, renderClosedPage({ reason: 'unknown_callback' }));
    if (info && info.status !== 'pending') {
      return sendPage(res, 200, renderClosedPage({ reason: info.status, ...(info.title ? { title: info.title } : {}), ...(info.approval?.outcome ? { outcome: info.approval.outcome } : {}) }));
    }
    // A pending wait whose link was reissued since: the 410 page says this link was replaced, and shows no form.
    if (info && linkReplaced(claims, info.link)) throw new CallbackError('CALLBACK_LINK_REPLACED', WORKFLOW_REFUSALS.CALLBACK_LINK_REPLACED);
    if (claims.approval) {
      const voter = await voterOf(req, claims, req.params.token as string, signIn);
      return sendPage(
        res,
        200,
        renderApprovalDecisionPage({
          action: info?.approval?.action ?? { title: info?.title ?? '', ...(info?.description ? { summary: info.description } : {}) },
          actionDigest: claims.approval.actionDigest,
          ...(info?.approval ? { currentDigest: info.approval.actionDigest } : {}),
          expiresAt: claims.expiresAt,
          ...(info ? {} : { detailsUnavailable: true }),
          voter,
        }),
      );
    }
    if (!info) return sendPage(res, 200, renderApprovalPage({ expiresAt: claims.expiresAt, detailsUnavailable: true }));
    sendPage(
      res,
      200,
      renderApprovalPage({
        expiresAt: claims.expiresAt,
        ...(info.title === undefined ? {} : { title: info.title }),
        ...(info.description === undefined ? {} : { description: info.description }),
        ...(info.form === undefined ? {} : { form: info.form }),
      }),
    );
  };
}
