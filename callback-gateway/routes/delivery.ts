import express, { type RequestHandler } from 'express';
import * as z from 'zod';
import type { ApiKeyStore } from '../../api-keys';
import { CallbackError, isCallbackError, type CallbackErrorCode } from '../../protocol/errors';
import type { Logger } from '../logger';
import { MAX_TOKEN_LENGTH } from '../../tokens/callback-token';
import type { CallbackTokenVerifier } from '../../tokens/verify-callback-token';
import { parseFailureReport, WORKFLOW_REFUSALS } from '../../protocol/definitions';
import type { CallbackDelivery, DeliveryKind, SyncDeliveryResult } from '../../protocol/callback-messages';
import type { VerifiedApprover } from '../../protocol/approval-messages';
import { buildDelivery, DELIVERY_PART, deliveryIdOf } from '../build-delivery';
import { renderThankYouPage, sendPage } from '../html-pages';
import { authenticate, AUTHENTICATE_PART } from '../middleware/authenticate';
import { checkCallbackSignature, SIGNATURE_PART } from '../middleware/check-callback-signature';
import { markHtmlRequests } from '../middleware/detect-html';
import { limitPerApiKey, limitPerClientIp, RATE_LIMIT_PART } from '../middleware/rate-limit';
import { DEFAULT_MAX_BODY_BYTES, MAX_JSON_DEPTH, READ_BODY_PART, readBody } from '../middleware/read-body';
import { optionalText, refusing, type ContractPart } from '../contract/contract-parts';
import { expressPath, HTML_PAGE, HTTP_METHODS, json, type Answer, type HttpMethod, type RouteContract } from '../contract/route-contract';
import { acceptedResponseSchema, answeredResponseSchema, callbackStatusResponseSchema, failureReportSchema, formBodySchema, jsonBodySchema, textSchema } from '../contract/schemas';
import type { GatewayRateLimits } from '../rate-limiter';
import { authenticated, receivedBody, requestState } from '../request-state';
import type { ExecutionChains } from '../execution-chain';
import { findReceipt, RECEIPT_REFUSALS, type Receipt } from '../receipts';
import { RecentDeliveries } from '../recent-deliveries';
import { signalWorkflow } from '../signal-workflow';
import { TEMPORAL_CALL_REFUSALS, unavailable, type CallbackTarget } from '../temporal-calls';
import { deliverSync, requestedWaitSeconds, syncDeliveryPart } from '../sync-delivery';
import { APPROVAL_PAGE_PART, approvalPage } from './approval-page';
import { CALLBACK_STATUS_PART, callbackStatus, PROVE_DELIVERY_ID_PART, proveDeliveryId } from './callback-status';
import { beginSignIn, SIGN_IN_PATH } from '../sign-in/begin-sign-in';
import { IDENTIFY_VOTER_PART, identifyVoter } from '../sign-in/identify-voter';
import { readStandingDelegations } from '../inbox/standing-delegations';
import type { SignIn } from '../sign-in/sign-in';

/** What the callback URL routes need; defaults are resolved by `createGateway`. */
export interface DeliveryRouteDeps {
  /** Temporal, reached through each callback's execution chain. */
  chains: ExecutionChains;
  /** Verifies the callback tokens in request paths. */
  verifier: CallbackTokenVerifier;
  /** Checks the API keys of callbacks that require one. */
  apiKeys: ApiKeyStore;
  /** Where a callback that cannot be checked (its signature sender has no secret) and an approval page shown without details are logged. */
  logger: Logger;
  /** Largest accepted body, in bytes. */
  maxBodyBytes: number;
  /** Bound on each Temporal call. */
  timeoutMs: number;
  /** Bound on each query only a worker answers: the status URL's, and a receipt's. */
  queryTimeoutMs: number;
  /** Standard Webhooks secrets by sender name, for callbacks created with `requireSignature`. */
  signatureSecrets?: ReadonlyMap<string, Uint8Array>;
  /** Request limits per client IP and per API key; off unless given. */
  rateLimits?: GatewayRateLimits;
  /** Sign-in for approvals that take signed-in votes; without it they are refused with 503 `SIGN_IN_NOT_CONFIGURED`. */
  signIn?: SignIn;
}

/** The methods that deliver, as an `Allow` header names them. */
const DELIVERY_METHODS = 'POST, PUT';

/** What {@link getAllowed}, {@link refuseOtherMethods} and the status route's other methods refuse with. */
export const METHOD_REFUSED_PART: ContractPart = { refusals: { METHOD_NOT_ALLOWED: ['Allow'] } };

function methodNotAllowed(message: string): CallbackError {
  return new CallbackError('METHOD_NOT_ALLOWED', message, { headers: { Allow: DELIVERY_METHODS } });
}

/** Lets through only the GETs that may deliver: not HEAD, and only for callbacks created with `allowGet`. */
const getAllowed: RequestHandler = (req, res, next) => {
  // Express routes HEAD to GET handlers; a HEAD must never deliver anything.
  if (req.method === 'HEAD') throw methodNotAllowed('HEAD does not deliver a callback; use POST.');
  const { claims } = authenticated(res);
  if (claims.approval) throw new CallbackError('NOT_A_VOTE', "This is an approval's link: a GET never votes. Open it in a browser to decide.");
  if (!claims.allowGet) {
    throw methodNotAllowed('This callback does not accept GET (link previews and crawlers send GETs); send the delivery with POST or PUT.');
  }
  next();
};

/** Refuses every method but the delivering ones, before any check of the token. */
const refuseOtherMethods: RequestHandler = (req) => {
  throw methodNotAllowed(`${req.method} does not deliver a callback; use POST or PUT.`);
};

/** A `fail` report must say what failed, by the protocol's one rule for failure reports. */
function checkFailureReport(data: unknown): void {
  if (!parseFailureReport(data)) throw new CallbackError('INVALID_FAILURE_REPORT', WORKFLOW_REFUSALS.INVALID_FAILURE_REPORT);
}

/** The approval page's form posts the person's answer as `decision`; the thank-you page repeats it. */
function decisionOf(data: unknown): unknown {
  return (data as { decision?: unknown } | null)?.decision;
}

/** How long a vote waits for the workflow's judgement when the request does not say (`Prefer: wait=N`). */
export const VOTE_WAIT_SECONDS = 10;

/** The approver of a link holder's vote: nobody in particular, named by the vote's delivery id. */
function linkHolder(deliveryId: string): VerifiedApprover {
  return { issuer: 'link', subject: deliveryId, via: 'link' };
}

/** An approval's URL takes votes only: its `fail` and `heartbeat` routes are refused before anything is read. */
const votesOnly: RequestHandler = (_req, res, next) => {
  if (authenticated(res).claims.approval) {
    throw new CallbackError('NOT_A_VOTE', "This is an approval's link: it takes votes only, posted to the link itself as {\"decision\":\"approve\"|\"reject\",\"comment\":\"why\"}.");
  }
  next();
};

/** What {@link votesOnly} refuses. */
const VOTES_ONLY_PART: ContractPart = { refusals: refusing('NOT_A_VOTE') };

/** Refusals after which a sender's earlier attempt may still have been recorded: its receipt is looked for. */
const CHAIN_GONE: ReadonlySet<CallbackErrorCode> = new Set(['WORKFLOW_CLOSED', 'EXECUTION_REPLACED']);

/**
 * The receipt of `delivery` when Temporal refused it because its chain is closed or replaced,
 * else the refusal itself. The search gets `timeoutMs` of its own; when it cannot tell in time
 * whether the delivery was recorded, the answer is `503` (retry), never a `410` that may be untrue.
 */
async function receiptOr(err: unknown, chains: ExecutionChains, target: CallbackTarget, delivery: CallbackDelivery, timeouts: Timeouts): Promise<Receipt> {
  if (!isCallbackError(err) || !CHAIN_GONE.has(err.code)) throw err;
  let receipt: Receipt | undefined;
  try {
    receipt = await findReceipt(chains.client, target, delivery, { deadline: Date.now() + timeouts.timeoutMs, queryTimeoutMs: timeouts.queryTimeoutMs });
  } catch (cause) {
    throw isCallbackError(cause) ? cause : unavailable(cause);
  }
  if (!receipt) throw err;
  return receipt;
}

/** The bounds a delivery's Temporal calls run under. */
type Timeouts = Pick<DeliveryRouteDeps, 'timeoutMs' | 'queryTimeoutMs' | 'logger'>;

/**
 * The handler that delivers an admitted request as a `kind` delivery: by default a durable
 * signal answered `202` once Temporal has recorded it; with `Prefer: wait=N` (or `?wait=N`) an
 * update answered `200` with the workflow's own reply, or, when no worker answers in time, the
 * signal after all. A retry of a delivery Temporal already recorded gets the first answer again,
 * marked `duplicate`, even after the workflow closed. A browser's form submission is answered
 * with the thank-you page instead of JSON, with the same status.
 */
function deliver(kind: DeliveryKind, chains: ExecutionChains, recent: RecentDeliveries, timeouts: Timeouts): RequestHandler {
  const { timeoutMs } = timeouts;
  return async (req, res) => {
    const { claims, apiKey } = authenticated(res);
    const { contentType, data } = receivedBody(res);
    const state = requestState(res);
    const waitSeconds = requestedWaitSeconds(req);
    const deliveryId = deliveryIdOf(req, claims.signatureSender !== undefined);
    state.deliveryId = deliveryId;
    if (kind === 'fail') checkFailureReport(data);
    const { vote } = state;
    // A signed-in voter's out-of-office delegations go with the vote, for the workflow to judge.
    const standing = vote?.approver ? await readStandingDelegations(chains.client, vote.approver, timeouts.queryTimeoutMs, timeouts.logger) : [];
    const delivery = buildDelivery(req, {
      callbackId: claims.callbackId,
      kind,
      deliveryId,
      contentType,
      data: vote ? vote.data : data,
      apiKeyId: apiKey?.id,
      ...(claims.link ? { link: claims.link } : {}),
      ...(vote ? { approver: vote.approver ?? linkHolder(deliveryId), actionDigest: vote.actionDigest } : {}),
      ...(standing.length > 0 ? { standingDelegations: standing } : {}),
    });
    const accepted = { callbackId: claims.callbackId, deliveryId };
    const answer = (status: number, body: z.infer<typeof acceptedResponseSchema> | z.infer<typeof answeredResponseSchema>) =>
      state.html ? sendPage(res, status, renderThankYouPage({ decision: decisionOf(delivery.data) })) : res.status(status).json(body);
    const answerSync = (result: SyncDeliveryResult) => {
      if (waitSeconds !== undefined) res.set('Preference-Applied', `wait=${waitSeconds}`);
      answer(200, { status: result.outcome, ...accepted, callbackStatus: result.status, reply: result.reply });
    };
    try {
      if (vote) {
        // A vote is judged by the workflow (eligibility, self-approval, comments) before it counts: never a durable 202.
        const reply = await deliverSync(chains, claims, delivery, waitSeconds ?? VOTE_WAIT_SECONDS);
        if (!reply) throw unavailable(new Error('no worker answered the vote in time'));
        return answerSync(reply);
      }
      if (waitSeconds !== undefined) {
        const reply = await deliverSync(chains, claims, delivery, waitSeconds);
        if (reply) return answerSync(reply);
        // No worker answered in time: fall back to the durable signal, as if asynchronous.
      }
      const repeat = recent.has(claims.callbackId, deliveryId);
      await signalWorkflow(chains, claims, delivery, timeoutMs);
      recent.remember(claims.callbackId, deliveryId);
      answer(202, { status: repeat ? 'duplicate' : 'accepted', ...accepted });
    } catch (err) {
      const receipt = await receiptOr(err, chains, claims, delivery, timeouts);
      if (receipt.kind === 'update') return answerSync({ ...receipt.result, outcome: 'duplicate' });
      answer(202, { status: 'duplicate', ...accepted });
    }
  };
}

/** The token in every callback path: a path Express cannot decode is refused as a malformed token. */
export const CALLBACK_PATH_PART: ContractPart = {
  params: { token: z.string().min(1).max(MAX_TOKEN_LENGTH).meta({ param: { description: 'The callback token: a signed JWS, or an encrypted JWE for opaque URLs.' } }) },
  refusals: refusing('CALLBACK_TOKEN_INVALID'),
};

/** `admit`: the client IP's rate limit, the token and any API key it requires, then the key's rate limit. */
export const ADMIT_PARTS = [RATE_LIMIT_PART, AUTHENTICATE_PART];

/** What {@link deliver} reads beside the body and refuses on a `kind` route: the delivery id, synchronous mode, Temporal, a receipt. */
function deliverParts(kind: DeliveryKind): ContractPart[] {
  const own = { ...TEMPORAL_CALL_REFUSALS, ...RECEIPT_REFUSALS, ...(kind === 'fail' ? refusing('INVALID_FAILURE_REPORT') : {}) };
  return [DELIVERY_PART, syncDeliveryPart(kind), { refusals: own }];
}

/** Set by {@link deliver} on a synchronous answer only: never required. */
const PREFERENCE_APPLIED = optionalText(
  "`wait=N`, when the request asked to wait (`Prefer: wait=N` or `?wait=N`): the answer is the workflow's own. Absent when a retry that did not ask is answered with an earlier synchronous delivery's receipt.",
);

const THANKS = " A browser's form submission gets a thank-you page.";
const ANSWERED: Answer = { description: "The workflow's answer (synchronous mode).", headers: { 'Preference-Applied': PREFERENCE_APPLIED }, content: json(answeredResponseSchema) };
const ACCEPTED: Answer = { description: 'Temporal recorded the delivery.', content: json(acceptedResponseSchema) };
const withPage = (answer: Answer): Answer => ({ ...answer, description: `${answer.description}${THANKS}`, content: { ...answer.content, ...HTML_PAGE } });

const SYNC = " With `Prefer: wait=N` or `?wait=N`: 200 with the workflow's answer, or its refusal; 202 when no worker answered in time.";
const DELIVERY_BODY = {
  description: `The data, up to the gateway's limit (default ${DEFAULT_MAX_BODY_BYTES / 1024} KiB). JSON may also be \`application/*+json\` and nest at most ${MAX_JSON_DEPTH} levels; no body delivers null; any other type: 415.`,
  content: { 'application/json': { schema: jsonBodySchema }, 'application/x-www-form-urlencoded': { schema: formBodySchema }, 'text/*': { schema: textSchema } },
};

/** What an approval's URL does with a POST: see `identifyVoter` and docs/approvals.md. */
const VOTE_NOTE =
  " On an approval's URL the body is a vote (`decision`, `comment`, and from the page `csrf` and `actionDigest`): for an approval that takes signed-in votes, the `dcb_session` cookie and the page's CSRF token identify the voter; the vote is always delivered through the workflow's update, and answered 503 `TEMPORAL_UNAVAILABLE` when no worker judges it in time.";

/** What each route delivers, as its POST says. */
const DELIVERIES: Record<DeliveryKind, Pick<RouteContract, 'summary' | 'description' | 'body'>> = {
  complete: { summary: 'Complete the callback', description: `Delivers the body; 202 once Temporal recorded it.${SYNC}`, body: DELIVERY_BODY },
  fail: {
    summary: 'Report that the work failed',
    description: `The wait ends as failed, with this error.${SYNC}`,
    body: { description: 'What failed. Anything else: 422 `INVALID_FAILURE_REPORT`.', required: true, content: json(failureReportSchema) },
  },
  heartbeat: { summary: 'Report progress', description: `The body is the progress the workflow sees.${SYNC}`, body: DELIVERY_BODY },
};

/** An operation on a callback path, without what every one of them shares. */
type CallbackOperation = Omit<RouteContract, 'method' | 'path' | 'tag'>;

/** POST or PUT (the same) to a `kind` route: admitted, its body read and its signature checked, then delivered; `pages` on the complete routes. */
function delivering(kind: DeliveryKind, method: 'post' | 'put', pages: boolean): CallbackOperation {
  const parts = [CALLBACK_PATH_PART, ...ADMIT_PARTS, ...(kind === 'complete' ? [] : [VOTES_ONLY_PART]), READ_BODY_PART, SIGNATURE_PART, ...(kind === 'complete' ? [IDENTIFY_VOTER_PART] : []), ...deliverParts(kind)];
  const { summary, description } = DELIVERIES[kind];
  return {
    ...DELIVERIES[kind],
    summary: method === 'put' ? `${summary} (PUT, as POST)` : summary,
    description: `${description}${pages ? " A browser's form submission (the approval page's) gets HTML pages." : ''}${kind === 'complete' ? VOTE_NOTE : ''}`,
    secured: true,
    parts,
    answers: pages ? { 200: withPage(ANSWERED), 202: withPage(ACCEPTED) } : { 200: ANSWERED, 202: ACCEPTED },
    // A token Express cannot decode is refused before the request is marked HTML.
    ...(pages ? { pageParts: parts.slice(1) } : {}),
  };
}

/** GET on a complete route: a browser's approval page, else a delivery of the query for callbacks created with `allowGet`. */
const GET_COMPLETE: CallbackOperation = {
  summary: 'Approval page, or a GET delivery',
  description:
    'When `Accept` names `text/html` (a browser, a link preview): the approval page, which never delivers. Otherwise delivers the query parameters, for callbacks created with `allowGet` only (405 otherwise).',
  secured: true,
  parts: [CALLBACK_PATH_PART, ...ADMIT_PARTS, APPROVAL_PAGE_PART, METHOD_REFUSED_PART, VOTES_ONLY_PART, SIGNATURE_PART, ...deliverParts('complete')],
  answers: {
    200: { ...ANSWERED, description: "The approval page, when `Accept` names `text/html`; otherwise the workflow's answer to a GET delivery (synchronous mode).", content: { ...HTML_PAGE, ...ANSWERED.content } },
    202: ACCEPTED,
  },
  pageParts: [...ADMIT_PARTS, APPROVAL_PAGE_PART],
};

/** HEAD on a complete route: admitted, then refused. */
const HEAD_COMPLETE: CallbackOperation = {
  summary: 'Refused: HEAD never delivers',
  description: '405 once the token (and any required API key) verified.',
  secured: true,
  parts: [CALLBACK_PATH_PART, ...ADMIT_PARTS, METHOD_REFUSED_PART],
};

/** GET (and HEAD, without the body) on the status route. */
const STATUS: CallbackOperation = {
  summary: "The callback's status and what it takes",
  description:
    "What the URL is and takes, and with `?deliveryId=` that delivery's outcome, also after the workflow closed. Never delivers: safe for link previews and crawlers. Needs the credentials a delivery needs: the callback's API key when it requires one, and, to ask about a delivery of a callback that requires a signature, that delivery's Standard Webhooks signature over an empty body. The workflow's own answer is waited for a short query deadline (`TEMPORAL_QUERY_TIMEOUT_MS`, default 1 s); without it, `status` is `unknown` and a running chain lists every action. 503 `RECEIPT_UNAVAILABLE` when a delivery's outcome could not be read in time.",
  secured: true,
  parts: [CALLBACK_PATH_PART, ...ADMIT_PARTS, PROVE_DELIVERY_ID_PART, CALLBACK_STATUS_PART],
  answers: { 200: { description: 'What the callback is and takes, and the outcome of the delivery asked about.', content: json(callbackStatusResponseSchema) } },
};

const COMPLETE_PATHS = ['/callbacks/{token}', '/callbacks/{token}/complete'];

const STATUS_PATH = '/callbacks/{token}/status';
const REPORT_PATHS = { fail: '/callbacks/{token}/fail', heartbeat: '/callbacks/{token}/heartbeat' } as const;

/** A callback path's contracts: the methods it takes, and every other one refused before the token is checked (405). */
export function callbackPath(path: string, taken: Partial<Record<HttpMethod, CallbackOperation>>, tag: RouteContract['tag'] = 'Callbacks'): RouteContract[] {
  return HTTP_METHODS.map((method) => ({
    method,
    path,
    tag,
    ...(taken[method] ?? { summary: `Refused: ${method.toUpperCase()} does not deliver`, parts: [CALLBACK_PATH_PART, METHOD_REFUSED_PART] }),
  }));
}

/** The contracts of the routes {@link deliveryRoutes} mounts, for the OpenAPI document. */
export const CALLBACK_ROUTE_CONTRACTS: readonly RouteContract[] = [
  ...COMPLETE_PATHS.flatMap((path) =>
    callbackPath(path, { post: delivering('complete', 'post', true), put: delivering('complete', 'put', true), get: GET_COMPLETE, head: HEAD_COMPLETE }),
  ),
  ...(['fail', 'heartbeat'] as const).flatMap((kind) => callbackPath(REPORT_PATHS[kind], { post: delivering(kind, 'post', false), put: delivering(kind, 'put', false) })),
  ...callbackPath(STATUS_PATH, { get: STATUS, head: { ...STATUS, summary: `${STATUS.summary} (HEAD: headers only)` } }),
];

/**
 * The callback URL routes. `POST|PUT /callbacks/:token` and `/complete` complete the callback,
 * `/fail` reports failure, `/heartbeat` reports progress; `GET /callbacks/:token` (and
 * `/complete`) shows a browser the approval page and completes only for callbacks created with
 * `allowGet`; every other method is refused with 405 and `Allow`. `GET /callbacks/:token/status`
 * describes the callback and never delivers.
 *
 * Each request is admitted first (the client IP's rate limit, the token and any API key it
 * requires, then the key's rate limit), then its body is read and its signature checked (for
 * callbacks that require one), and only then delivered. A status request that names a delivery
 * (`?deliveryId=`) of a callback that requires a signature must carry that delivery's signature,
 * over an empty body, before anything about it is told.
 */
export function deliveryRoutes(deps: DeliveryRouteDeps): express.Router {
  const { chains, timeoutMs } = deps;
  const timeouts: Timeouts = { timeoutMs, queryTimeoutMs: deps.queryTimeoutMs, logger: deps.logger };
  const recent = new RecentDeliveries();
  const admit = [limitPerClientIp(deps.rateLimits?.perIp), authenticate(deps.verifier, deps.apiKeys), limitPerApiKey(deps.rateLimits?.perKey)];
  const checkSignature = checkCallbackSignature(deps.signatureSecrets, deps.logger);
  const body = [readBody(deps.maxBodyBytes), checkSignature];
  const showApprovalPage = approvalPage({ client: chains.client, timeoutMs, logger: deps.logger, signIn: deps.signIn });
  const identify = identifyVoter(deps.signIn);
  const router = express.Router();
  // Each chain mounted here is declared, piece by piece, in CALLBACK_ROUTE_CONTRACTS: change both together.

  // The plain URL completes, so a sender that only knows "POST JSON to the URL" just works.
  for (const path of COMPLETE_PATHS) {
    const complete = deliver('complete', chains, recent, timeouts);
    router
      .route(expressPath(path))
      .post(markHtmlRequests, admit, body, identify, complete)
      .put(markHtmlRequests, admit, body, identify, complete)
      // A GET's query is its data: there is no body to read, only a signature to check.
      .get(markHtmlRequests, admit, showApprovalPage, getAllowed, checkSignature, complete)
      .all(refuseOtherMethods);
  }
  // What the URL is and takes: GET (and HEAD) only, never a delivery. A delivery's outcome needs the proof a delivery needs.
  const status = callbackStatus({ chains, ...timeouts });
  router
    .route(expressPath(STATUS_PATH))
    .get(admit, proveDeliveryId(checkSignature), status)
    .all((req) => {
      throw new CallbackError('METHOD_NOT_ALLOWED', `${req.method} is not how a callback's status is read; use GET.`, { headers: { Allow: 'GET, HEAD' } });
    });
  for (const kind of ['fail', 'heartbeat'] as const) {
    const report = deliver(kind, chains, recent, timeouts);
    router
      .route(expressPath(REPORT_PATHS[kind]))
      .post(admit, votesOnly, body, report)
      .put(admit, votesOnly, body, report)
      .all(refuseOtherMethods);
  }
  // An approval's sign-in (declared in SIGN_IN_ROUTE_CONTRACTS): behind the same token check as every callback path.
  router
    .route(expressPath(SIGN_IN_PATH))
    .get(markHtmlRequests, admit, beginSignIn(deps.signIn))
    .all((req) => {
      throw new CallbackError('METHOD_NOT_ALLOWED', `${req.method} does not begin a sign-in; open the link with GET.`, { headers: { Allow: 'GET' } });
    });
  return router;
}
