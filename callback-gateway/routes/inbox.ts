import type { Client } from '@temporalio/client';
import express, { type Request, type RequestHandler, type Response } from 'express';
import * as z from 'zod';
import { CallbackError } from '../../protocol/errors';
import { WORKFLOW_REFUSALS } from '../../protocol/workflow-refusals';
import { MAX_COMMENT_LENGTH } from '../../workflows/approval-rules';
import { buildDelivery } from '../build-delivery';
import { expressPath, HTML_PAGE, json, type Answer, type RouteContract } from '../contract/route-contract';
import { refusing, type ContractPart } from '../contract/contract-parts';
import { answeredResponseSchema, formBodySchema } from '../contract/schemas';
import type { ExecutionChains } from '../execution-chain';
import { listInbox, type InboxEntry } from '../inbox/list-inbox';
import { delegationInvalid, readStandingDelegations, revokeStandingDelegation, setStandingDelegation } from '../inbox/standing-delegations';
import { renderInboxPage } from '../inbox/inbox-page';
import { sendPage } from '../html-pages';
import type { Logger } from '../logger';
import { markHtmlRequests } from '../middleware/detect-html';
import { limitPerClientIp, RATE_LIMIT_PART } from '../middleware/rate-limit';
import { READ_BODY_PART, readBody } from '../middleware/read-body';
import type { GatewayRateLimits } from '../rate-limiter';
import { receivedBody, requestState } from '../request-state';
import { signInNotConfigured } from '../sign-in/begin-sign-in';
import { cookieOptions, TRANSACTION_COOKIE } from '../sign-in/cookies';
import { csrfTokenFor, csrfTokenMatches } from '../sign-in/csrf';
import { voteDataOf } from '../sign-in/identify-voter';
import { readSession, type Session } from '../sign-in/session';
import type { SignIn } from '../sign-in/sign-in';
import { sealTransaction, TRANSACTION_MAX_AGE_SECONDS } from '../sign-in/sign-in-transaction';
import { deliverSync, syncDeliveryPart } from '../sync-delivery';
import { CLASSIFIED_REFUSALS, TEMPORAL_CALL_REFUSALS, unavailable } from '../temporal-calls';
import { VOTE_WAIT_SECONDS } from './delivery';

/** The inbox: every open approval the signed-in person may decide. */
export const INBOX_PATH = '/inbox';

/** Begins a sign-in that comes back to the inbox. */
export const INBOX_SIGN_IN_PATH = '/inbox/sign-in';

/** Where the inbox posts a decision on one approval (OpenAPI template). */
export const INBOX_DECISION_PATH = '/inbox/{workflowId}/{callbackId}';

/** Where a signed-in person names (POST) or stops (DELETE) an out-of-office delegate. */
export const INBOX_DELEGATION_PATH = '/inbox/delegation';

/** The form fields (or JSON members) of an out-of-office delegation: the delegate's email, until when, and the inbox's `delegationCsrf`. */
export const INBOX_DELEGATION_FIELDS = { to: 'to', until: 'until', csrf: 'csrf' } as const;

/** The form fields (or JSON members) of a decision from the inbox. */
export const INBOX_DECISION_FIELDS = { decision: 'decision', comment: 'comment', csrf: 'csrf', actionDigest: 'actionDigest', executionChain: 'executionChain', delegateTo: 'delegateTo' } as const;

/** What {@link inboxRoutes} needs; resolved by `createGateway`. */
export interface InboxRouteDeps {
  client: Client;
  chains: ExecutionChains;
  /** Sign-in; without it every inbox route answers 503 `SIGN_IN_NOT_CONFIGURED`. */
  signIn?: SignIn;
  logger: Logger;
  /** Bound on the visibility query. */
  timeoutMs: number;
  /** Bound on each workflow's `approvals` query. */
  queryTimeoutMs: number;
  maxBodyBytes: number;
  rateLimits?: GatewayRateLimits;
  /** The task queue the workers that run `standingDelegations` poll; without it, `/inbox/delegation` is not served (404). */
  taskQueue?: string;
}

/** The session's refusals: none, or one that does not verify. */
const SESSION_PART: ContractPart = { refusals: { ...refusing('SIGN_IN_REQUIRED', 'SESSION_INVALID'), SIGN_IN_NOT_CONFIGURED: ['Retry-After'] } };

const INBOX_ENTRY_SCHEMA = z
  .strictObject({
    workflowId: z.string(),
    executionChain: z.string().describe('The first run id of the workflow\'s execution chain; post it back with the decision.'),
    callbackId: z.string(),
    action: z.strictObject({ title: z.string(), summary: z.string().optional(), details: z.record(z.string(), z.unknown()).optional() }),
    actionDigest: z.string().describe('The digest of the action shown; post it back with the decision.'),
    initiator: z.strictObject({ issuer: z.string().optional(), subject: z.string().optional(), email: z.string().optional(), slackUserId: z.string().optional() }).optional(),
    requestedAt: z.string(),
    deadline: z.string().optional(),
    votes: z.strictObject({ approvals: z.int(), rejections: z.int(), quorum: z.int(), rejectQuorum: z.int() }),
    onBehalfOf: z
      .strictObject({ issuer: z.string(), subject: z.string(), email: z.string().optional(), name: z.string().optional() })
      .optional()
      .describe('Set when the person may decide it only as the delegate of this approver, who handed it to them: their vote is recorded on that approver\'s behalf.'),
    csrf: z.string().describe("The CSRF token of this session for this approval: post it back as `csrf` with the decision."),
  })
  .meta({ id: 'InboxEntry', description: 'One open approval the signed-in person may decide.' });

/** `GET /inbox` in JSON. */
export const inboxResponseSchema = z
  .strictObject({
    signedInAs: z.strictObject({ issuer: z.string(), subject: z.string(), email: z.string().optional(), name: z.string().optional() }),
    approvals: z.array(INBOX_ENTRY_SCHEMA),
    incomplete: z.boolean().describe('Some workflows could not be read in time: their approvals may be missing; ask again.'),
    delegationCsrf: z.string().describe('The CSRF token of this session for `POST`/`DELETE /inbox/delegation`.'),
  })
  .meta({ id: 'Inbox', description: 'Every open approval the signed-in person may decide, oldest request first.' });

const SESSION_COOKIE_PARAM = { Cookie: z.string().optional().meta({ param: { description: 'The `dcb_session` cookie a sign-in sets.' } }) };

const TO_SIGN_IN: Answer = {
  description: 'A browser without a valid session: to `/inbox/sign-in`, which signs in and comes back.',
  headers: { Location: z.string().meta({ param: { description: '`/inbox/sign-in`.' } }) },
};

const TO_PROVIDER: Answer = {
  description: "To the OpenID Connect provider's sign-in, with a `dcb_oidc` transaction cookie; its return comes back to `/inbox`.",
  headers: { Location: z.string().meta({ param: { description: "The provider's authorization URL." } }), 'Set-Cookie': z.string().meta({ param: { description: '`dcb_oidc`: the sign-in transaction.' } }) },
};

const BACK_TO_INBOX: Answer = {
  description: 'A browser: the decision was recorded; back to `/inbox`, which says so.',
  headers: { Location: z.string().meta({ param: { description: '`/inbox?voted=approve` or `/inbox?voted=reject`.' } }) },
};

const DECISION_PARAMS: ContractPart = {
  params: {
    workflowId: z.string().meta({ param: { description: "The approval's workflow id, as the inbox lists it (percent-encoded)." } }),
    callbackId: z.string().meta({ param: { description: "The approval's callback id, as the inbox lists it." } }),
  },
};

const INBOX_GET: Omit<RouteContract, 'method'> = {
  path: INBOX_PATH,
  tag: 'Sign-in',
  summary: 'Every open approval the signed-in person may decide',
  description:
    'Needs the `dcb_session` cookie of a sign-in. Finds the running workflows whose `DurableCallbacksApprovers` search attribute lists one of the person\'s identity keys, asks each for its approvals, and keeps the pending ones the person may decide by the workflow\'s rules. A browser gets a page with Approve / Reject buttons (without a session: 303 to `/inbox/sign-in`); `Accept: application/json` gets the list, or 401 `SIGN_IN_REQUIRED`.',
  parts: [RATE_LIMIT_PART, { headers: SESSION_COOKIE_PARAM, query: { voted: z.enum(['approve', 'reject', 'delegate']).optional().meta({ param: { description: 'Set by the redirect after a decision: the page says it was recorded.' } }) } }, SESSION_PART, { refusals: CLASSIFIED_REFUSALS }],
  answers: { 200: { description: 'The inbox: a page for a browser, the list in JSON otherwise.', content: { ...HTML_PAGE, ...json(inboxResponseSchema) } }, 303: TO_SIGN_IN },
  pageParts: [RATE_LIMIT_PART, SESSION_PART, { refusals: CLASSIFIED_REFUSALS }],
};

const DELEGATION_BODY = {
  description: 'The delegation, as the inbox page posts it (or JSON with the same members): `to` (the delegate\'s email), `until` (ISO 8601, for POST) and `csrf` (`delegationCsrf` of `GET /inbox`).',
  required: true,
  content: { 'application/x-www-form-urlencoded': { schema: formBodySchema }, 'application/json': { schema: formBodySchema } },
};

const DELEGATION_SET_SCHEMA = z
  .strictObject({ to: z.string(), until: z.string() })
  .meta({ id: 'StandingDelegationSet', description: 'The out-of-office delegation as set: the delegate\'s email and until when.' });

const BACK_TO_INBOX_DELEGATED: Answer = {
  description: 'A browser: the delegation was set (or ended); back to `/inbox`.',
  headers: { Location: z.string().meta({ param: { description: '`/inbox`.' } }) },
};

/** What setting or ending an out-of-office delegation refuses. */
const DELEGATION_PART: ContractPart = { refusals: refusing('CSRF_TOKEN_INVALID', 'DELEGATION_INVALID') };

const SIGN_IN_PART: ContractPart = { refusals: { SIGN_IN_NOT_CONFIGURED: ['Retry-After'], SIGN_IN_PROVIDER_UNAVAILABLE: ['Retry-After'] } };

const INBOX_SIGN_IN: Omit<RouteContract, 'method'> = {
  path: INBOX_SIGN_IN_PATH,
  tag: 'Sign-in',
  summary: 'Sign in to see the inbox',
  description: "303 to the organisation's OpenID Connect provider; its return (`/auth/oidc/callback`) brings the browser back to `/inbox`, signed in.",
  parts: [RATE_LIMIT_PART, SIGN_IN_PART],
  answers: { 303: TO_PROVIDER },
  pageParts: [RATE_LIMIT_PART, SIGN_IN_PART],
};

/** The workflow's own refusals of a vote (synchronous mode's, without `?wait=`, which the inbox does not read). */
const { INVALID_WAIT: _notRead, ...VOTE_REFUSALS } = syncDeliveryPart('complete').refusals ?? {};

/** What a decision from the inbox refuses before the workflow judges it. */
const DECISION_PART: ContractPart = { refusals: refusing('CSRF_TOKEN_INVALID', 'VOTE_INVALID') };

/** The contracts of the routes {@link inboxRoutes} mounts, for the OpenAPI document. */
export const INBOX_ROUTE_CONTRACTS: readonly RouteContract[] = [
  { method: 'get', ...INBOX_GET },
  { method: 'head', ...INBOX_GET, summary: 'The inbox, headers only' },
  { method: 'get', ...INBOX_SIGN_IN },
  { method: 'head', ...INBOX_SIGN_IN, summary: 'Sign in to see the inbox (as GET)' },
  {
    method: 'post',
    path: INBOX_DECISION_PATH,
    tag: 'Sign-in',
    summary: 'Decide an approval from the inbox',
    description:
      "The signed-in person's vote (`decision`, `comment`), with the inbox's CSRF token for this approval, the `actionDigest` the inbox showed and the approval's `executionChain`. Delivered as a link vote is, through the workflow's update to that execution chain only, with the session's person as the approver: the same rules, refusals and receipts. A browser is sent back to `/inbox` (refusals are pages); otherwise the workflow's answer.",
    body: { description: 'The decision, as the inbox page posts it (or JSON with the same members).', required: true, content: { 'application/x-www-form-urlencoded': { schema: formBodySchema }, 'application/json': { schema: formBodySchema } } },
    parts: [DECISION_PARAMS, RATE_LIMIT_PART, { headers: SESSION_COOKIE_PARAM }, READ_BODY_PART, SESSION_PART, DECISION_PART, { refusals: VOTE_REFUSALS }, { refusals: TEMPORAL_CALL_REFUSALS }],
    answers: { 200: { description: "The workflow's answer to the vote.", content: json(answeredResponseSchema) }, 303: BACK_TO_INBOX },
    pageParts: [RATE_LIMIT_PART, READ_BODY_PART, SESSION_PART, DECISION_PART, { refusals: VOTE_REFUSALS }, { refusals: TEMPORAL_CALL_REFUSALS }],
  },
  {
    method: 'post',
    path: INBOX_DELEGATION_PATH,
    tag: 'Sign-in',
    summary: 'Name an out-of-office delegate',
    description:
      "The signed-in person names `to` (a verified email) their delegate until `until`: the delegate may then vote on their behalf on every request they may decide (recorded `onBehalfOf`), never on the person's own requests, and never passing it on. Held durably by the delegate's `standingDelegations` workflow (started on the workers' task queue); replaces the person's earlier delegation to the same delegate. Served when the gateway knows that task queue.",
    body: DELEGATION_BODY,
    parts: [RATE_LIMIT_PART, { headers: SESSION_COOKIE_PARAM }, READ_BODY_PART, SESSION_PART, DELEGATION_PART, { refusals: TEMPORAL_CALL_REFUSALS }],
    answers: { 200: { description: 'The delegation as set.', content: json(DELEGATION_SET_SCHEMA) }, 303: BACK_TO_INBOX_DELEGATED },
    pageParts: [RATE_LIMIT_PART, READ_BODY_PART, SESSION_PART, DELEGATION_PART, { refusals: TEMPORAL_CALL_REFUSALS }],
  },
  {
    method: 'delete',
    path: INBOX_DELEGATION_PATH,
    tag: 'Sign-in',
    summary: 'End an out-of-office delegation',
    description: "Ends the signed-in person's delegation to `to`. Ending one that does not exist is not an error.",
    body: DELEGATION_BODY,
    parts: [RATE_LIMIT_PART, { headers: SESSION_COOKIE_PARAM }, READ_BODY_PART, SESSION_PART, DELEGATION_PART, { refusals: TEMPORAL_CALL_REFUSALS }],
    answers: { 204: { description: 'Ended (or there was none).' } },
    pageParts: [RATE_LIMIT_PART, READ_BODY_PART, SESSION_PART, DELEGATION_PART, { refusals: TEMPORAL_CALL_REFUSALS }],
  },
];

/** The CSRF context of the session's out-of-office delegation forms, apart from any approval's. */
const DELEGATION_CSRF_CONTEXT = 'inbox-delegation';

function fieldsOf(data: unknown): Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

/** The CSRF context of one approval in the inbox: its workflow, execution chain and callback, apart from an approval page's. */
function csrfContext(workflowId: string, executionChain: string, callbackId: string): string {
  return `inbox\0${workflowId}\0${executionChain}\0${callbackId}`;
}

/** The inbox's routes: `GET /inbox`, `GET /inbox/sign-in` and `POST /inbox/{workflowId}/{callbackId}`. */
export function inboxRoutes(deps: InboxRouteDeps): express.Router {
  const { signIn, logger } = deps;

  /** The request's session; a browser without a valid one is sent to sign in (undefined), anything else refused. */
  const sessionOf = async (req: Request, res: Response, redirect: boolean): Promise<Session | undefined> => {
    if (!signIn) throw signInNotConfigured();
    const lookup = await readSession(req, signIn.sessionKey, signIn.oidc.issuer);
    if (lookup.kind === 'valid') return lookup.session;
    if (redirect && requestState(res).html) {
      res.redirect(303, `${signIn.basePath}${INBOX_SIGN_IN_PATH}`);
      return undefined;
    }
    if (lookup.kind === 'invalid') throw new CallbackError('SESSION_INVALID', 'Your sign-in is not valid any more (it expired, or was not made by this gateway); sign in again at /inbox/sign-in.');
    throw new CallbackError('SIGN_IN_REQUIRED', 'The inbox shows what you may decide, so it needs you to sign in first: open /inbox in a browser, or send the session cookie of a sign-in.');
  };

  const showInbox: RequestHandler = async (req, res) => {
    const session = await sessionOf(req, res, true);
    if (!session || !signIn) return;
    const inbox = await listInbox(deps.client, session.approver, { timeoutMs: deps.timeoutMs, queryTimeoutMs: deps.queryTimeoutMs, logger });
    // Another site cannot read this answer (no CORS), so handing each entry's CSRF token to the session's own page or tool is safe.
    const withCsrf = inbox.entries.map((entry: InboxEntry) => ({
      ...entry,
      csrf: csrfTokenFor(signIn.sessionKey, session.id, csrfContext(entry.workflowId, entry.executionChain, entry.callbackId)),
    }));
    if (!requestState(res).html) {
      const { issuer, subject, email, name } = session.approver;
      return void res.status(200).json({
        signedInAs: { issuer, subject, ...(email ? { email } : {}), ...(name ? { name } : {}) },
        approvals: withCsrf,
        incomplete: inbox.incomplete,
        delegationCsrf: csrfTokenFor(signIn.sessionKey, session.id, DELEGATION_CSRF_CONTEXT),
      });
    }
    const voted = (req.query as Record<string, unknown>).voted;
    const entries = withCsrf.map((entry) => ({
      ...entry,
      decideHref: `${signIn.basePath}${INBOX_PATH}/${encodeURIComponent(entry.workflowId)}/${encodeURIComponent(entry.callbackId)}`,
    }));
    sendPage(
      res,
      200,
      renderInboxPage({
        person: session.approver,
        entries,
        incomplete: inbox.incomplete,
        ...(voted === 'approve' || voted === 'reject' || voted === 'delegate' ? { voted } : {}),
        ...(deps.taskQueue ? { delegation: { href: `${signIn.basePath}${INBOX_DELEGATION_PATH}`, csrf: csrfTokenFor(signIn.sessionKey, session.id, DELEGATION_CSRF_CONTEXT) } } : {}),
      }),
    );
  };

  const beginInboxSignIn: RequestHandler = async (_req, res) => {
    if (!signIn) throw signInNotConfigured();
    const { url, transaction } = await signIn.oidc.begin(INBOX_PATH);
    const cookie = await sealTransaction(signIn.sessionKey, transaction);
    res.cookie(TRANSACTION_COOKIE, cookie, cookieOptions(`${signIn.basePath}/auth/oidc`, TRANSACTION_MAX_AGE_SECONDS * 1000, signIn.secureCookies));
    res.redirect(303, url.href);
  };

  const decide: RequestHandler = async (req, res) => {
    const session = await sessionOf(req, res, false);
    if (!session || !signIn) return;
    const workflowId = req.params.workflowId as string;
    const callbackId = req.params.callbackId as string;
    const fields = fieldsOf(receivedBody(res).data);
    const chainField = fields[INBOX_DECISION_FIELDS.executionChain];
    if (!csrfTokenMatches(signIn.sessionKey, fields[INBOX_DECISION_FIELDS.csrf], session.id, csrfContext(workflowId, typeof chainField === 'string' ? chainField : '', callbackId))) {
      throw new CallbackError('CSRF_TOKEN_INVALID', 'This decision did not come from the inbox this gateway showed you; nothing was recorded. Open /inbox again and decide there.');
    }
    const decision = fields[INBOX_DECISION_FIELDS.decision];
    const comment = fields[INBOX_DECISION_FIELDS.comment];
    // A hand-off (`delegate`) is judged by the workflow like a vote; the gateway only checks its shape is a decision's.
    const actionDigest = fields[INBOX_DECISION_FIELDS.actionDigest];
    const executionChain = fields[INBOX_DECISION_FIELDS.executionChain];
    if ((decision !== 'approve' && decision !== 'reject' && decision !== 'delegate') || (comment !== undefined && (typeof comment !== 'string' || comment.length > MAX_COMMENT_LENGTH))) {
      throw new CallbackError('VOTE_INVALID', WORKFLOW_REFUSALS.VOTE_INVALID);
    }
    if (typeof actionDigest !== 'string' || actionDigest === '' || typeof executionChain !== 'string' || executionChain === '') {
      throw new CallbackError('VOTE_INVALID', 'A decision from the inbox carries the actionDigest and executionChain the inbox listed; nothing was recorded.');
    }
    const standing = await readStandingDelegations(deps.client, session.approver, deps.queryTimeoutMs, logger);
    const delivery = buildDelivery(req, {
      callbackId,
      kind: 'complete',
      // One person's decision on one approval is one delivery: a repeated submission is the same vote.
      deliveryId: `inbox:${session.approver.subject}:${callbackId}:${decision}`.slice(0, 255),
      contentType: 'application/json',
      data: voteDataOf(fields),
      approver: session.approver,
      actionDigest,
      standingDelegations: standing,
      // Through no link: a reissue of the approval's URL leaves the inbox's decisions standing.
      link: null,
    });
    const result = await deliverSync(deps.chains, { workflowId, executionChain }, delivery, VOTE_WAIT_SECONDS);
    if (!result) throw unavailable(new Error('no worker answered the vote in time'));
    logger.info('inbox vote delivered', { requestId: requestState(res).requestId, workflowId, callbackId, outcome: result.outcome });
    if (requestState(res).html) return void res.redirect(303, `${signIn.basePath}${INBOX_PATH}?voted=${decision}`);
    res.status(200).json({ status: result.outcome, callbackId, deliveryId: delivery.deliveryId, callbackStatus: result.status, reply: result.reply ?? null });
  };

  /** The session and fields of a delegation form, its CSRF token checked. */
  const delegationRequest = async (req: Request, res: Response): Promise<{ session: Session; fields: Record<string, unknown>; to: string } | undefined> => {
    const session = await sessionOf(req, res, false);
    if (!session || !signIn) return undefined;
    const fields = fieldsOf(receivedBody(res).data);
    if (!csrfTokenMatches(signIn.sessionKey, fields[INBOX_DELEGATION_FIELDS.csrf], session.id, DELEGATION_CSRF_CONTEXT)) {
      throw new CallbackError('CSRF_TOKEN_INVALID', 'This delegation did not come from the inbox this gateway showed you; nothing was set. Open /inbox again.');
    }
    const to = fields[INBOX_DELEGATION_FIELDS.to];
    if (typeof to !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(to.trim()) || to.length > 320) throw delegationInvalid('Name the delegate by their email (to), as their sign-in gives it.');
    return { session, fields, to: to.trim().toLowerCase() };
  };

  const setDelegation: RequestHandler = async (req, res) => {
    const request = await delegationRequest(req, res);
    if (!request || !signIn) return;
    const { session, fields, to } = request;
    const until = typeof fields[INBOX_DELEGATION_FIELDS.until] === 'string' ? Date.parse(fields[INBOX_DELEGATION_FIELDS.until] as string) : NaN;
    if (Number.isNaN(until)) throw delegationInvalid('until is when the delegation ends, as an ISO 8601 date or time (2027-01-15 or 2027-01-15T18:00:00Z).');
    const approver = session.approver;
    if (approver.email !== undefined && approver.emailVerified === true && approver.email.toLowerCase() === to) throw delegationInvalid('You cannot name yourself your delegate.');
    const delegation = { from: approver, to: { email: to }, until: new Date(until).toISOString(), setAt: new Date().toISOString() };
    await setStandingDelegation(deps.client, deps.taskQueue!, delegation, deps.timeoutMs);
    logger.info('standing delegation set', { requestId: requestState(res).requestId, until: delegation.until });
    if (requestState(res).html) return void res.redirect(303, `${signIn.basePath}${INBOX_PATH}`);
    res.status(200).json({ to, until: delegation.until });
  };

  const revokeDelegation: RequestHandler = async (req, res) => {
    const request = await delegationRequest(req, res);
    if (!request) return;
    await revokeStandingDelegation(deps.client, request.session.approver, request.to, deps.timeoutMs);
    logger.info('standing delegation ended', { requestId: requestState(res).requestId });
    res.status(204).end();
  };

  const router = express.Router();
  const perIp = limitPerClientIp(deps.rateLimits?.perIp);
  if (deps.taskQueue) {
    router.post(INBOX_DELEGATION_PATH, markHtmlRequests, perIp, readBody(deps.maxBodyBytes), setDelegation);
    router.delete(INBOX_DELEGATION_PATH, markHtmlRequests, perIp, readBody(deps.maxBodyBytes), revokeDelegation);
  }
  router.get(INBOX_PATH, markHtmlRequests, perIp, showInbox);
  router.get(INBOX_SIGN_IN_PATH, markHtmlRequests, perIp, beginInboxSignIn);
  router.post(expressPath(INBOX_DECISION_PATH), markHtmlRequests, perIp, readBody(deps.maxBodyBytes), decide);
  return router;
}
