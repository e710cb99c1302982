import express, { type RequestHandler } from 'express';
import type { ApiKeyStore } from '../../api-keys';
import { CallbackError, isCallbackError, type CallbackErrorCode } from '../../protocol/errors';
import type { Logger } from '../logger';
import type { CallbackTokenVerifier } from '../../tokens/verify-callback-token';
import { parseFailureReport, WORKFLOW_REFUSALS } from '../../protocol/definitions';
import type { CallbackDelivery, DeliveryKind, SyncDeliveryResult } from '../../protocol/callback-messages';
import { buildDelivery, deliveryIdOf } from '../build-delivery';
import { renderThankYouPage, sendPage } from '../html-pages';
import { authenticate } from '../middleware/authenticate';
import { checkWebhookSignature } from '../middleware/check-webhook-signature';
import { markHtmlRequests } from '../middleware/detect-html';
import { limitPerApiKey, limitPerClientIp } from '../middleware/rate-limit';
import { readBody } from '../middleware/read-body';
import type { GatewayRateLimits } from '../rate-limiter';
import { authenticated, receivedBody, requestState } from '../request-state';
import type { ExecutionChains } from '../execution-chain';
import { findReceipt, type Receipt } from '../receipts';
import { RecentDeliveries } from '../recent-deliveries';
import { signalWorkflow } from '../signal-workflow';
import { unavailable, type CallbackTarget } from '../temporal-calls';
import { deliverSync, requestedWaitSeconds } from '../sync-delivery';
import { approvalPage } from './approval-page';
import { callbackStatus, proveDeliveryId } from './callback-status';

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
  webhookSecrets?: ReadonlyMap<string, Uint8Array>;
  /** Request limits per client IP and per API key; off unless given. */
  rateLimits?: GatewayRateLimits;
}

/** The methods that deliver, as an `Allow` header names them. */
const DELIVERY_METHODS = 'POST, PUT';

function methodNotAllowed(message: string): CallbackError {
  return new CallbackError('METHOD_NOT_ALLOWED', message, { headers: { Allow: DELIVERY_METHODS } });
}

/** Lets through only the GETs that may deliver: not HEAD, and only for callbacks created with `allowGet`. */
const getAllowed: RequestHandler = (req, res, next) => {
  // Express routes HEAD to GET handlers; a HEAD must never deliver anything.
  if (req.method === 'HEAD') throw methodNotAllowed('HEAD does not deliver a callback; use POST.');
  if (!authenticated(res).claims.allowGet) {
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
type Timeouts = Pick<DeliveryRouteDeps, 'timeoutMs' | 'queryTimeoutMs'>;

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
    const delivery = buildDelivery(req, { callbackId: claims.callbackId, kind, deliveryId, contentType, data, apiKeyId: apiKey?.id });
    const accepted = { callbackId: claims.callbackId, deliveryId };
    const answer = (status: number, json: object) =>
      state.html ? sendPage(res, status, renderThankYouPage({ decision: decisionOf(data) })) : res.status(status).json(json);
    const answerSync = (result: SyncDeliveryResult) => {
      if (waitSeconds !== undefined) res.set('Preference-Applied', `wait=${waitSeconds}`);
      answer(200, { status: result.outcome, ...accepted, callbackStatus: result.status, reply: result.reply });
    };
    try {
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
  const timeouts: Timeouts = { timeoutMs, queryTimeoutMs: deps.queryTimeoutMs };
  const recent = new RecentDeliveries();
  const admit = [limitPerClientIp(deps.rateLimits?.perIp), authenticate(deps.verifier, deps.apiKeys), limitPerApiKey(deps.rateLimits?.perKey)];
  const checkSignature = checkWebhookSignature(deps.webhookSecrets, deps.logger);
  const body = [readBody(deps.maxBodyBytes), checkSignature];
  const showApprovalPage = approvalPage({ client: chains.client, timeoutMs, logger: deps.logger });
  const router = express.Router();

  // The plain URL completes, so a sender that only knows "POST JSON to the URL" just works.
  for (const path of ['/callbacks/:token', '/callbacks/:token/complete']) {
    const complete = deliver('complete', chains, recent, timeouts);
    router
      .route(path)
      .post(markHtmlRequests, admit, body, complete)
      .put(markHtmlRequests, admit, body, complete)
      // A GET's query is its data: there is no body to read, only a signature to check.
      .get(markHtmlRequests, admit, showApprovalPage, getAllowed, checkSignature, complete)
      .all(refuseOtherMethods);
  }
  // What the URL is and takes: GET (and HEAD) only, never a delivery. A delivery's outcome needs the proof a delivery needs.
  const status = callbackStatus({ chains, ...timeouts });
  router
    .route('/callbacks/:token/status')
    .get(admit, proveDeliveryId(checkSignature), status)
    .all((req) => {
      throw new CallbackError('METHOD_NOT_ALLOWED', `${req.method} is not how a callback's status is read; use GET.`, { headers: { Allow: 'GET, HEAD' } });
    });
  for (const kind of ['fail', 'heartbeat'] as const) {
    const report = deliver(kind, chains, recent, timeouts);
    router
      .route(`/callbacks/:token/${kind}`)
      .post(admit, body, report)
      .put(admit, body, report)
      .all(refuseOtherMethods);
  }
  return router;
}
