import { LRUCache } from 'lru-cache';

/** How long a gateway remembers a delivery it had Temporal record: the Standard Webhooks replay window and then some. */
const REMEMBER_MS = 10 * 60_000;

/** The most deliveries remembered at once; the oldest are forgotten first. */
const MAX_REMEMBERED = 100_000;

/**
 * The deliveries this gateway process recently had Temporal record, so a repeat of one (a
 * sender's retry after a lost answer, a replayed signed request) is answered as the duplicate it
 * is. Only an answer's wording depends on it: the workflow applies each delivery id once in any
 * case, and a repeat through another gateway process is answered `accepted` and changes nothing.
 */
export class RecentDeliveries {
  /** Recorded deliveries by `callbackId/deliveryId`, each forgotten {@link REMEMBER_MS} after it was (last) recorded. */
  private readonly recorded: LRUCache<string, true>;

  /** @param now the clock the ten minutes are counted on; for tests. */
  constructor(now: () => number = Date.now) {
    // ttlResolution 0: read the clock on every check rather than once per millisecond with a timer.
    this.recorded = new LRUCache({ max: MAX_REMEMBERED, ttl: REMEMBER_MS, ttlResolution: 0, perf: { now } });
  }

  /** Notes that Temporal recorded this delivery. */
  remember(callbackId: string, deliveryId: string): void {
    this.recorded.set(`${callbackId}/${deliveryId}`, true);
  }

  /** True when this delivery was recorded through this process within the last ten minutes. */
  has(callbackId: string, deliveryId: string): boolean {
    return this.recorded.has(`${callbackId}/${deliveryId}`);
  }
}
