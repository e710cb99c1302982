import { LRUCache } from 'lru-cache';

/** Settings of a {@link RateLimiter}. */
export interface RateLimit {
  /** Requests allowed per minute, sustained; also the burst. 0 turns the limit off. */
  perMinute: number;
  /** Clients remembered at once (a positive integer); the least recently seen are forgotten first. Default 10,000. */
  maxClients?: number;
}

/** The gateway's request limits: per client IP, and per API key; each off unless given. */
export interface GatewayRateLimits {
  perIp?: RateLimit;
  perKey?: RateLimit;
}

/** The answer of {@link RateLimiter.take}. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per client key (an IP, an API key id), in memory: each gateway process limits
 * on its own, so N gateways allow N times the rate; limit globally at the load balancer. The
 * buckets are an LRU cache of `maxClients`, so a flood of new clients forgets the idlest ones
 * instead of growing memory (a forgotten client starts again with a full bucket).
 */
export class RateLimiter {
  private readonly buckets: LRUCache<string, Bucket>;
  private readonly perMs: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = limit.perMinute / 60_000;
    this.buckets = new LRUCache({ max: limit.maxClients ?? 10_000 });
  }

  /** Whether the limit is on at all. */
  get enabled(): boolean {
    return this.limit.perMinute > 0;
  }

  /** Takes one request's token for `client`, or says how long until one is available. */
  take(client: string): RateDecision {
    if (!this.enabled) return { allowed: true };
    const now = this.now();
    let bucket = this.buckets.get(client);
    if (!bucket) {
      bucket = { tokens: this.limit.perMinute, updatedAt: now };
      this.buckets.set(client, bucket);
    }
    bucket.tokens = Math.min(this.limit.perMinute, bucket.tokens + (now - bucket.updatedAt) * this.perMs);
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }
}
