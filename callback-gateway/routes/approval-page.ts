import type { Client } from '@temporalio/client';
import type { RequestHandler } from 'express';
import { describeError, type Logger } from '../logger';
import { callbacksQuery } from '../../protocol/definitions';
import type { CallbackInfo } from '../../protocol/callback-messages';
import { renderApprovalPage, renderClosedPage, renderSignedOnlyPage, sendPage } from '../html-pages';
import { refusing, type ContractPart } from '../contract/contract-parts';
import { authenticated, requestState } from '../request-state';
import { chainHead, chainRefusal, withinDeadline, type CallbackTarget } from '../temporal-calls';

/** What the approval page needs: the workflow's `callbacks` query, bounded, and a log for when it fails. */
export interface ApprovalPageDeps {
  /** A Temporal client for the namespace the gateway serves. */
  client: Client;
  /** Bound on the Temporal calls that read the callback's details. */
  timeoutMs: number;
  /** Where a page shown without the workflow's details is noted. */
  logger: Logger;
}

/**
 * What {@link approvalPage} refuses: a workflow that is gone. A closed one gets the page that says
 * so, and one Temporal cannot describe in time the page without details.
 */
export const APPROVAL_PAGE_PART: ContractPart = { refusals: refusing('WORKFLOW_NOT_FOUND', 'INTERNAL_ERROR') };

/** What the workflow said about the callback, or why it could not say. */
type PageState = { kind: 'info'; info: CallbackInfo | undefined } | { kind: 'workflow_closed' } | { kind: 'unavailable' };

async function pageState(client: Client, target: CallbackTarget, callbackId: string, timeoutMs: number, logger: Logger): Promise<PageState> {
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
  if (head.kind === 'closed' || head.kind === 'replaced') return { kind: 'workflow_closed' };
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
 * The browser's view of a callback URL: answers a GET marked HTML (by `markHtmlRequests`) with
 * the approval page, and passes every other request on to the delivery handlers. It sits in the
 * callback URL's GET chain after authentication rather than on a route of its own, so a person's
 * browser and a machine's GET share one token check and one rate-limit count, and a browser's
 * GET (or a link preview's) can never fall through to a delivery.
 *
 * Reads the callback's `title`, `description` and `form` with the workflow's `callbacks` query,
 * bounded by `timeoutMs`: a callback that is no longer pending gets the "already answered /
 * closed" page without buttons; when the query fails (no worker) the page still lets the person
 * answer. Never delivers anything.
 */
export function approvalPage({ client, timeoutMs, logger }: ApprovalPageDeps): RequestHandler {
  return async (req, res, next) => {
    if (req.method !== 'GET' || !requestState(res).html) return next();
    const { claims } = authenticated(res);
    if (claims.signatureSender !== undefined) return sendPage(res, 200, renderSignedOnlyPage());
    const state = await pageState(client, claims, claims.callbackId, timeoutMs, logger);
    if (state.kind === 'workflow_closed') return sendPage(res, 200, renderClosedPage({ reason: 'workflow_closed' }));
    if (state.kind === 'unavailable') return sendPage(res, 200, renderApprovalPage({ expiresAt: claims.expiresAt, detailsUnavailable: true }));
    const { info } = state;
    if (!info) return sendPage(res, 200, renderClosedPage({ reason: 'unknown_callback' }));
    if (info.status !== 'pending') {
      return sendPage(res, 200, renderClosedPage({ reason: info.status, ...(info.title ? { title: info.title } : {}) }));
    }
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
