import type { Client } from '@temporalio/client';
import express, { type RequestHandler } from 'express';
import type * as z from 'zod';
import type { GatewayMetrics } from '../metrics';
import { refusing } from '../contract/contract-parts';
import { json, RETRY_AFTER_HEADER, type Answer, type RouteContract } from '../contract/route-contract';
import { healthResponseSchema, openApiResponseSchema, readyResponseSchema, textSchema, unreadyResponseSchema } from '../contract/schemas';
import { RETRY_AFTER_SECONDS, withinDeadline } from '../temporal-calls';

/** What the probe routes need: Temporal to check readiness against, the metrics to serve, if on, and the API description. */
export interface ProbeDeps {
  /** The Temporal client whose connection `/readyz` checks. */
  client: Client;
  /** Bound on each Temporal call; the readiness check uses at most {@link READINESS_TIMEOUT_MS} of it. */
  timeoutMs: number;
  /** Served at `/metrics` when given. */
  metrics?: GatewayMetrics;
  /** Serves the OpenAPI document at `/openapi.json` (passed in: the document is built from these routes' contracts too). */
  openApiDocument: RequestHandler;
}

/** Where each probe route is mounted. */
const PATHS = { health: '/healthz', ready: '/readyz', metrics: '/metrics', openApi: '/openapi.json' } as const;

/** The longest `/readyz` waits for Temporal: probes come often, and a load balancer times them out on its own. */
export const READINESS_TIMEOUT_MS = 2_000;

/** GET and HEAD (the same answer without a body) on an operations route. */
function getAndHead(path: string, contract: Omit<RouteContract, 'method' | 'path' | 'tag'>): RouteContract[] {
  return [
    { ...contract, method: 'get', path, tag: 'Operations' },
    { ...contract, method: 'head', path, tag: 'Operations', summary: `${contract.summary} (HEAD: headers only)` },
  ];
}

const jsonAnswer = (description: string, schema: z.ZodType): Answer => ({ description, content: json(schema) });

/** The contracts of the routes {@link probeRoutes} mounts, for the OpenAPI document. */
export const PROBE_ROUTE_CONTRACTS: readonly RouteContract[] = [
  ...getAndHead(PATHS.health, { summary: 'Liveness', parts: [], answers: { 200: jsonAnswer('The process is up.', healthResponseSchema) } }),
  ...getAndHead(PATHS.ready, {
    summary: 'Readiness: whether Temporal answers',
    parts: [],
    answers: {
      200: jsonAnswer('Temporal answers.', readyResponseSchema),
      503: { ...jsonAnswer('Temporal does not answer.', unreadyResponseSchema), headers: { 'Retry-After': RETRY_AFTER_HEADER } },
    },
  }),
  ...getAndHead(PATHS.metrics, {
    summary: 'Prometheus metrics',
    description: 'Served unless the gateway was created with `metrics: false` (then 404). Expose it to your scraper only.',
    parts: [{ refusals: refusing('ROUTE_NOT_FOUND', 'INTERNAL_ERROR') }],
    answers: { 200: { description: 'Prometheus metrics (text format 0.0.4).', content: { 'text/plain': { schema: textSchema } } } },
  }),
  ...getAndHead(PATHS.openApi, { summary: 'This document', parts: [], answers: { 200: jsonAnswer('This document.', openApiResponseSchema) } }),
];

/**
 * The routes for operators and tooling, none of which touch a callback: `GET /metrics`
 * (Prometheus, when on), `GET /openapi.json` (the API description), `GET /healthz` (the process
 * answers) and `GET /readyz` (Temporal answers too: 200, or 503 with `Retry-After` while it does
 * not).
 */
export function probeRoutes({ client, timeoutMs, metrics, openApiDocument }: ProbeDeps): express.Router {
  const router = express.Router();
  // A router answers OPTIONS on its own paths by itself (200 and an Allow list); these paths
  // answer it as the gateway answers any request without a route: its JSON 404.
  router.use((req, _res, next) => next(req.method === 'OPTIONS' ? 'router' : undefined));
  if (metrics) router.get(PATHS.metrics, metrics.handler);
  router.get(PATHS.openApi, openApiDocument);

  router.get(PATHS.health, (_req, res) => {
    const healthy: z.infer<typeof healthResponseSchema> = { status: 'ok' };
    res.json(healthy);
  });

  router.get(PATHS.ready, async (_req, res) => {
    try {
      await withinDeadline(client, Math.min(timeoutMs, READINESS_TIMEOUT_MS), () => client.workflowService.getSystemInfo({}));
      const ready: z.infer<typeof readyResponseSchema> = { status: 'ready', temporal: 'reachable' };
      res.json(ready);
    } catch {
      const unready: z.infer<typeof unreadyResponseSchema> = { status: 'unready', temporal: 'unreachable' };
      res.set('Retry-After', String(RETRY_AFTER_SECONDS)).status(503).json(unready);
    }
  });
  return router;
}
