import type { Client } from '@temporalio/client';
import express from 'express';
import type { ApiKeyStore } from '../api-keys';
import { silentLogger, type Logger } from './logger';
import { cachingVerifier, type CallbackTokenVerifier } from '../tokens/verify-callback-token';
import { createGatewayMetrics } from './metrics';
import { logRequests } from './middleware/log-requests';
import { DEFAULT_MAX_BODY_BYTES } from './middleware/read-body';
import { assignRequestId } from './middleware/request-id';
import { securityHeaders } from './middleware/security-headers';
import type { GatewayRateLimits } from './rate-limiter';
import { errorHandler, routeNotFound } from './respond-with-error';
import { ExecutionChains } from './execution-chain';
import { deliveryRoutes } from './routes/delivery';
import { probeRoutes } from './routes/probes';
import { publishedKeysRoutes } from './routes/published-keys';
import type { PublishedReceiptKeys } from '../keys/receipt-keys';
import { webhookRoutes } from './routes/webhooks';
import { serveOpenApiDocument } from './openapi';
import type { WebhookSources } from './webhooks/webhook-sources';
import { DEFAULT_WEBHOOK_HOLD_MS } from '../protocol/definitions';
import { DEFAULT_WEBHOOK_MAX_HELD_EVENTS } from './webhook-capacity';
import { signInRoutes } from './routes/sign-in';
import { createSignIn, type SignInSettings } from './sign-in/sign-in';
import { slackApprovalRoutes, type SlackApprovalSettings } from './routes/slack-approvals';
import { inboxRoutes } from './routes/inbox';

/** Default bound on each Temporal call a request makes. */
export const DEFAULT_TEMPORAL_CALL_TIMEOUT_MS = 5_000;

/**
 * Default bound on a query only a worker can answer (the status URL's, a receipt's): short,
 * because while no worker runs nothing answers it, and the status URL should still answer within
 * about a second from what Temporal itself knows.
 */
export const DEFAULT_QUERY_TIMEOUT_MS = 1_000;

/** Everything the gateway depends on; passed in so tests and deployments choose each part. */
export interface GatewayDeps {
  /** A Temporal client for the namespace the gateway serves. */
  client: Client;
  /** Verifies the callback tokens in request paths (signature, expiry, audience). */
  verifier: CallbackTokenVerifier;
  /** Checks the API keys of callbacks that require one. */
  apiKeys: ApiKeyStore;
  /** Where request lines and failures are logged. Default: nowhere. */
  logger?: Logger;
  /** Largest accepted body, in bytes. Default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  /** Bound on each Temporal call. Default {@link DEFAULT_TEMPORAL_CALL_TIMEOUT_MS}. */
  temporalCallTimeoutMs?: number;
  /**
   * Bound on each query only a worker answers: `GET /callbacks/:token/status`'s, and the receipt
   * query of a retry after the workflow closed (then the gateway reads histories instead).
   * Default {@link DEFAULT_QUERY_TIMEOUT_MS}.
   */
  queryTimeoutMs?: number;
  /** Standard Webhooks secrets by sender name, for callbacks created with `requireSignature`. */
  signatureSecrets?: ReadonlyMap<string, Uint8Array>;
  /** Request limits per client IP and per API key; off unless given. */
  rateLimits?: GatewayRateLimits;
  /** Express's `trust proxy` setting, so the per-IP limit sees the client behind a load balancer. Default off. */
  trustProxy?: boolean | number | string;
  /** Serve Prometheus metrics at `/metrics` (default true); restrict the path at the load balancer. */
  metrics?: boolean;
  /**
   * How many verified tokens to remember until their expiry, so a URL's later requests skip the
   * signature check (default 10,000; 0 turns it off). See `cachingVerifier`.
   */
  verifiedTokenCache?: number;
  /**
   * Provider webhooks (`POST /webhooks/:source`): the configured sources, and the task queue the
   * `webhookEvent` and `webhookMailbox` workflows run on (the workers', `TEMPORAL_TASK_QUEUE`). Off unless given.
   */
  webhooks?: GatewayWebhooks;
  /**
   * The public keys approval receipts are signed with, served at `GET /.well-known/jwks.json` so
   * anyone can verify a receipt. Without them that route answers 404 `RECEIPT_KEYS_NOT_PUBLISHED`.
   */
  receiptKeys?: PublishedReceiptKeys;
  /**
   * Sign-in with the organisation's OpenID Connect provider, for approvals that take votes from
   * signed-in people only (`GET /callbacks/:token/sign-in`, `GET /auth/oidc/callback`). Without
   * it, such approvals are refused with 503 `SIGN_IN_NOT_CONFIGURED`. See `docs/approvals.md`.
   */
  signIn?: SignInSettings;
  /**
   * The task queue of the workers that run `standingDelegations` (the workers', `TEMPORAL_TASK_QUEUE`):
   * with it and `signIn`, signed-in people name out-of-office delegates at `/inbox/delegation`.
   * Reading delegations (when a delegate votes or opens the inbox) needs no task queue.
   */
  approvalsTaskQueue?: string;
  /**
   * Approving from Slack (`POST /approvals/slack`): the app's signing secret and the workspaces
   * whose clicks count (`SLACK_SIGNING_SECRET`, `SLACK_TEAM_IDS`). Off (404) unless given. See
   * `docs/approvals.md`, "Slack".
   */
  slack?: SlackApprovalSettings;
}

/** How the gateway serves provider webhooks. */
export interface GatewayWebhooks {
  /** Sources by name, as `loadGatewayConfig` reads them from `WEBHOOK_SOURCES_FILE`. */
  sources: WebhookSources;
  /** The task queue of the workers that run `webhookEvent` and `webhookMailbox` (and the waits). */
  taskQueue: string;
  /** How long an event is held for waits that begin later, ms. Default 24 hours. */
  holdMs?: number;
  /** The most events one source holds at once (`WEBHOOK_MAX_HELD_EVENTS`). Default 5,000. */
  maxHeldEvents?: number;
}

/**
 * Builds the callback gateway: an Express app that verifies each request to
 * `/callbacks/:token` and turns it into a durable Temporal signal, answering 202 only once
 * Temporal has recorded it. Listen on it yourself (`app.listen(port)`); see `server.ts`.
 *
 * Routes: `POST|PUT /callbacks/:token` (and `/complete`) complete; `/fail` reports failure;
 * `/heartbeat` reports progress; `GET /callbacks/:token` with `Accept: text/html` shows the
 * approval page (and never delivers), without it completes only for callbacks created with
 * `allowGet`; for approvals, `GET /callbacks/:token/sign-in` and `GET /auth/oidc/callback` (sign-in); `GET /inbox` (every open approval the signed-in person may decide, `GET /inbox/sign-in`, `POST /inbox/:workflowId/:callbackId`); `GET /healthz`; `GET /readyz`; `GET /.well-known/jwks.json` (the public keys of approval receipts); with `slack`, `POST /approvals/slack` (approval votes from Slack buttons); with `webhooks`, `POST /webhooks/:source` for
 * provider webhooks routed by key to webhook waits (see `docs/webhooks.md`). `Prefer: wait=N` or `?wait=N` asks for the
 * workflow's own answer (a Temporal update) instead of the default durable `202`. Requests from
 * browsers (`Accept` preferring `text/html`) are answered with HTML pages, refusals included.
 */
export function createGateway(deps: GatewayDeps): express.Express {
  const logger = deps.logger ?? silentLogger;
  const timeoutMs = deps.temporalCallTimeoutMs ?? DEFAULT_TEMPORAL_CALL_TIMEOUT_MS;
  const metrics = deps.metrics === false ? undefined : createGatewayMetrics();
  const signIn = deps.signIn ? createSignIn(deps.signIn) : undefined;

  const chains = new ExecutionChains(deps.client);
  const verifier = deps.verifiedTokenCache === 0 ? deps.verifier : cachingVerifier(deps.verifier, { maxEntries: deps.verifiedTokenCache });
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.set('trust proxy', deps.trustProxy ?? false);

  app.use(securityHeaders);
  app.use(assignRequestId);
  app.use(logRequests(logger));
  if (metrics) app.use(metrics.middleware);

  app.use(probeRoutes({ client: deps.client, timeoutMs, metrics, openApiDocument: serveOpenApiDocument }));
  app.use(publishedKeysRoutes({ receiptKeys: deps.receiptKeys }));
  app.use(
    deliveryRoutes({
      chains,
      verifier,
      apiKeys: deps.apiKeys,
      logger,
      maxBodyBytes: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      timeoutMs,
      queryTimeoutMs: deps.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
      signatureSecrets: deps.signatureSecrets,
      rateLimits: deps.rateLimits,
      signIn,
    }),
  );
  app.use(signInRoutes({ signIn, rateLimits: deps.rateLimits, logger }));
  app.use(
    inboxRoutes({
      client: deps.client,
      chains,
      signIn,
      logger,
      timeoutMs,
      queryTimeoutMs: deps.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
      maxBodyBytes: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      rateLimits: deps.rateLimits,
      ...(deps.approvalsTaskQueue ? { taskQueue: deps.approvalsTaskQueue } : {}),
    }),
  );

  if (deps.slack) {
    app.use(slackApprovalRoutes({ ...deps.slack, chains, verifier, logger, maxBodyBytes: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, rateLimits: deps.rateLimits }));
  }
  if (deps.webhooks) {
    app.use(
      webhookRoutes({
        client: deps.client,
        sources: deps.webhooks.sources,
        taskQueue: deps.webhooks.taskQueue,
        holdMs: deps.webhooks.holdMs ?? DEFAULT_WEBHOOK_HOLD_MS,
        maxHeldEvents: deps.webhooks.maxHeldEvents ?? DEFAULT_WEBHOOK_MAX_HELD_EVENTS,
        logger,
        maxBodyBytes: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
        timeoutMs,
        rateLimits: deps.rateLimits,
      }),
    );
  }

  app.use(routeNotFound);
  app.use(errorHandler(logger));
  return app;
}
