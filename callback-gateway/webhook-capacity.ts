import type { Client } from '@temporalio/client';
import { CallbackError } from '../protocol/errors';
import type { Logger } from './logger';
import { webhookEventIdPrefix } from '../protocol/webhook-ids';
import { WEBHOOK_EVENT_WORKFLOW } from '../protocol/definitions';
import { withinDeadline } from './temporal-calls';

/** The most events one source holds at once unless configured otherwise (`WEBHOOK_MAX_HELD_EVENTS`). */
export const DEFAULT_WEBHOOK_MAX_HELD_EVENTS = 5_000;

/** How long a count read from visibility is used before it is read again, ms. */
const COUNT_TTL_MS = 1_000;

/** What a provider is told to wait before retrying when its source is full. */
const FULL_RETRY_AFTER_SECONDS = 60;

interface Reading {
  count: number;
  readAt: number;
  /** Events this gateway accepted since the count was read: visibility may not list them yet. */
  acceptedSince: number;
}

/**
 * The bound on what one webhook source holds: at most `maxHeldEvents` `webhookEvent` workflows
 * running at once, and so at most that many times the gateway's body limit in bytes, and at most
 * that many mailboxes started by events. Counted in Temporal's visibility (the running events
 * whose ids carry the source), read at most once a second per source and topped up with what
 * this gateway accepted since, so every gateway replica shares one bound without state of its
 * own. Visibility lags a little behind, so a burst across replicas can pass the bound by the
 * events accepted within that lag. A count visibility cannot give does not stop webhooks: it is
 * logged, and the event is held.
 */
export class WebhookCapacity {
  private readonly readings = new Map<string, Reading>();

  constructor(
    private readonly client: Client,
    private readonly maxHeldEvents: number,
    private readonly timeoutMs: number,
    private readonly logger?: Logger,
  ) {}

  /** @throws `CallbackError` `WEBHOOK_SOURCE_FULL` (503, `Retry-After`) when `source` holds its most events. */
  async check(source: string): Promise<void> {
    const reading = await this.read(source);
    if (reading && reading.count + reading.acceptedSince >= this.maxHeldEvents) {
      throw new CallbackError(
        'WEBHOOK_SOURCE_FULL',
        `This source holds its most events (${this.maxHeldEvents}); nothing of this one was held. Retry later: held events expire or are taken by their waits.`,
        { retryAfterSeconds: FULL_RETRY_AFTER_SECONDS },
      );
    }
  }

  /** Counts an event this gateway just had Temporal hold, until the next count includes it. */
  accepted(source: string): void {
    const reading = this.readings.get(source);
    if (reading) reading.acceptedSince++;
  }

  private async read(source: string): Promise<Reading | undefined> {
    const now = Date.now();
    const cached = this.readings.get(source);
    if (cached && now - cached.readAt < COUNT_TTL_MS) return cached;
    const query = `WorkflowType = '${WEBHOOK_EVENT_WORKFLOW}' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '${webhookEventIdPrefix(source)}'`;
    try {
      const { count } = await withinDeadline(this.client, this.timeoutMs, () => this.client.workflow.count(query));
      const reading = { count, readAt: now, acceptedSince: 0 };
      this.readings.set(source, reading);
      return reading;
    } catch (err) {
      this.logger?.warn('webhook_capacity_unknown', { source, error: (err as Error).message });
      return cached;
    }
  }
}
