import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { routePattern } from './middleware/log-requests';
import { requestState } from './request-state';

/** The gateway's Prometheus metrics and the middleware that feeds them. */
export interface GatewayMetrics {
  registry: Registry;
  /** Counts and times every request; records deliveries by route and outcome. */
  middleware: RequestHandler;
  /** Serves the registry in Prometheus' text format. */
  handler: RequestHandler;
}

/** Refusals that mean a Temporal call failed (rather than the sender erring). */
const TEMPORAL_FAILURES = new Set(['TEMPORAL_UNAVAILABLE', 'RECEIPT_UNAVAILABLE', 'INTERNAL_ERROR']);

/**
 * Creates the metrics, in a registry of their own (so several gateways in one process, as in
 * tests, do not collide): `dcb_deliveries_total{route,outcome}`,
 * `dcb_request_duration_seconds{route,method,status}`, `dcb_temporal_errors_total{code}`,
 * `dcb_inflight_requests`, plus Node's process metrics.
 */
export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dcb_' });
  const deliveries = new Counter({
    name: 'dcb_deliveries_total',
    help: 'Requests to callback routes, by route and outcome (accepted, duplicate, or the error code).',
    labelNames: ['route', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'dcb_request_duration_seconds',
    help: 'Time from request to response, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const temporalErrors = new Counter({
    name: 'dcb_temporal_errors_total',
    help: 'Temporal calls that failed, by the error code they were answered with.',
    labelNames: ['code'],
    registers: [registry],
  });
  const inflight = new Gauge({ name: 'dcb_inflight_requests', help: 'Requests being handled now.', registers: [registry] });

  return {
    registry,
    middleware: (req, res, next) => {
      const stop = duration.startTimer();
      inflight.inc();
      res.once('close', () => {
        inflight.dec();
        const route = routePattern(req);
        stop({ route, method: req.method, status: String(res.statusCode) });
        if (route.startsWith('/callbacks/')) {
          const { errorCode } = requestState(res);
          deliveries.inc({ route, outcome: errorCode ?? (res.statusCode === 200 ? 'answered' : 'accepted') });
          if (errorCode && TEMPORAL_FAILURES.has(errorCode)) temporalErrors.inc({ code: errorCode });
        }
      });
      next();
    },
    handler: async (_req, res) => {
      res.set('Content-Type', registry.contentType).send(await registry.metrics());
    },
  };
}
