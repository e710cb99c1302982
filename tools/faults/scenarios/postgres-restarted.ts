import { defineOutageScenario } from '../support/outage-scenario';

/**
 * PostgreSQL, which holds every history, stops the way a crash does (an immediate shutdown:
 * no checkpoint, recovery from the write-ahead log at the next start) while callbacks stream
 * in, and starts again 12 s later. Temporal's services stay up and reconnect by themselves.
 * Nothing is acknowledged that the database did not commit: no 2xx while it is down, and every
 * accepted callback resumes its workflow exactly once.
 */
export const postgresRestarted = defineOutageScenario({
  name: 'postgres-restarted',
  summary: 'PostgreSQL crashed (immediate shutdown) mid-load and restarted: no 2xx while it is down, then every callback lands exactly once',
  service: 'postgres',
  label: 'PostgreSQL',
  checkOutage(ctx, during) {
    const answered2xx = during.filter((attempt) => attempt.status !== undefined && attempt.status < 300).length;
    ctx.check(answered2xx === 0, `none of them was answered 2xx (${answered2xx})`);
  },
});
