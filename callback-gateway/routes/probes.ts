import type { Client } from '@temporalio/client';
import express from 'express';
import type { GatewayMetrics } from '../metrics';
import { serveOpenApiDocument } from '../openapi';
import { RETRY_AFTER_SECONDS, withinDeadline } from '../temporal-calls';

/** What the probe routes need: Temporal to check readiness against, and the metrics to serve, if on. */
export interface ProbeDeps {
  /** The Temporal client whose connection `/readyz` checks. */
  client: Client;
  /** Bound on each Temporal call; the readiness check uses at most {@link READINESS_TIMEOUT_MS} of it. */
  timeoutMs: number;
  /** Served at `/metrics` when given. */
  metrics?: GatewayMetrics;
}

/** The longest `/readyz` waits for Temporal: probes come often, and a load balancer times them out on its own. */
export const READINESS_TIMEOUT_MS = 2_000;

/**
 * The routes for operators and tooling, none of which touch a callback: `GET /metrics`
 * (Prometheus, when on), `GET /openapi.json` (the API description), `GET /healthz` (the process
 * answers) and `GET /readyz` (Temporal answers too: 200, or 503 with `Retry-After` while it does
 * not).
 */
export function probeRoutes({ client, timeoutMs, metrics }: ProbeDeps): express.Router {
  const router = express.Router();
  // A router answers OPTIONS on its own paths by itself (200 and an Allow list); these paths
  // answer it as the gateway answers any request without a route: its JSON 404.
  router.use((req, _res, next) => next(req.method === 'OPTIONS' ? 'router' : undefined));
  if (metrics) router.get('/metrics', metrics.handler);
  router.get('/openapi.json', serveOpenApiDocument);

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    try {
      await withinDeadline(client, Math.min(timeoutMs, READINESS_TIMEOUT_MS), () => client.workflowService.getSystemInfo({}));
      res.json({ status: 'ready', temporal: 'reachable' });
    } catch {
      res.set('Retry-After', String(RETRY_AFTER_SECONDS)).status(503).json({ status: 'unready', temporal: 'unreachable' });
    }
  });
  return router;
}
