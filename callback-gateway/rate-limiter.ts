/** Settings of a {@link RateLimiter}. */
export interface RateLimit {
  /** Requests allowed per minute, sustained; also the burst. 0 turns the limit off. */
  perMinute: number;
  /** Clients remembered at once; the least recently seen are forgotten first. Default 10,000. */
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
 * on its own, so N gateways allow N times the rate; limit globally at the load balancer.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly maxClients: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = limit.perMinute / 60_000;
    this.maxClients = limit.maxClients ?? 10_000;
  }

  /** Whether the limit is on at all. */
  get enabled(): boolean {
    return this.limit.perMinute > 0;
  }

  /** Takes one request's token for `client`, or says how long until one is available. */
  take(client: string): RateDecision {
    if (!this.enabled) return { allowed: true };
    const now = this.now();
    const bucket = this.buckets.get(client) ?? { tokens: this.limit.perMinute, updatedAt: now };
    bucket.tokens = Math.min(this.limit.perMinute, bucket.tokens + (now - bucket.updatedAt) * this.perMs);
    bucket.updatedAt = now;
    // Re-inserting keeps the map in least-recently-seen order, so pruning drops idle clients.
    this.buckets.delete(client);
    this.buckets.set(client, bucket);
    if (this.buckets.size > this.maxClients) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }
}
