import type { RequestHandler } from 'express';
import { CallbackError } from '../../protocol/errors';
import type { ContractPart } from '../contract/contract-parts';
import { RateLimiter, type RateDecision, type RateLimit } from '../rate-limiter';
import { authenticated } from '../request-state';

/** What both limits refuse with: 429 `RATE_LIMITED`, with `Retry-After`. */
export const RATE_LIMIT_PART: ContractPart = { refusals: { RATE_LIMITED: ['Retry-After'] } };

/** A limit of 0 (or none) is no limit: no middleware work at all on the request path. */
const noLimit: RequestHandler = (_req, _res, next) => next();

function enforce(decision: RateDecision, who: string): void {
  if (decision.allowed) return;
  throw new CallbackError('RATE_LIMITED', `Too many requests from ${who}; retry after ${decision.retryAfterSeconds} s.`, {
    retryAfterSeconds: decision.retryAfterSeconds,
  });
}

/**
 * Refuses a client IP's requests beyond `limit` with `RATE_LIMITED` (429, `Retry-After`); no
 * limit when none is given. Runs before authentication, so a flood of bad tokens costs no
 * token verification. The IP is Express's `req.ip`, so behind a load balancer it depends on
 * the `trust proxy` setting.
 */
export function limitPerClientIp(limit: RateLimit = { perMinute: 0 }): RequestHandler {
  if (limit.perMinute <= 0) return noLimit;
  const limiter = new RateLimiter(limit);
  return (req, _res, next) => {
    enforce(limiter.take(req.ip ?? 'unknown'), 'this client');
    next();
  };
}

/**
 * Refuses an API key's requests beyond `limit` with `RATE_LIMITED` (429, `Retry-After`); no
 * limit when none is given. Runs after authentication, which tells whose key it is; requests to
 * callbacks that need no key pass.
 */
export function limitPerApiKey(limit: RateLimit = { perMinute: 0 }): RequestHandler {
  if (limit.perMinute <= 0) return noLimit;
  const limiter = new RateLimiter(limit);
  return (_req, res, next) => {
    const key = authenticated(res).apiKey;
    if (key) enforce(limiter.take(key.id), `API key ${key.id}`);
    next();
  };
}
