import { all503WithRetryAfter } from '../support/mid-load-fault';
import { defineOutageScenario } from '../support/outage-scenario';

/**
 * The cluster's history service (every history shard) is SIGKILLed while callbacks stream in,
 * and started again 12 s later. Nothing can record a signal while it is gone, so the gateway
 * answers 503 + Retry-After; once a new history process owns the shards, the retries land and
 * every accepted callback resumes its workflow exactly once.
 */
export const historyKilled = defineOutageScenario({
  name: 'history-killed',
  summary: 'the history service SIGKILLed mid-load and restarted: 503 + Retry-After while it is gone, then every callback lands exactly once',
  service: 'history',
  label: 'history',
  checkOutage(ctx, during) {
    ctx.check(all503WithRetryAfter(during), `every one of them was answered 503 with Retry-After (never 2xx)`);
  },
});
