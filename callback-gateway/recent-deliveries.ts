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
  private readonly recorded = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Notes that Temporal recorded this delivery. */
  remember(callbackId: string, deliveryId: string): void {
    const key = `${callbackId}/${deliveryId}`;
    this.recorded.delete(key);
    this.recorded.set(key, this.now());
    if (this.recorded.size > MAX_REMEMBERED) this.recorded.delete(this.recorded.keys().next().value!);
  }

  /** True when this delivery was recorded through this process within the last ten minutes. */
  has(callbackId: string, deliveryId: string): boolean {
    const at = this.recorded.get(`${callbackId}/${deliveryId}`);
    return at !== undefined && this.now() - at < REMEMBER_MS;
  }
}
