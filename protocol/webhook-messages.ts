import type { CallbackMode, WebhookMatch, WebhookSubscriptionInfo } from './callback-messages';

/**
 * What crosses the wire of webhook routing: a provider event as the gateway verified it, the
 * references a mailbox holds, and the subscriptions of the waits it serves. Types only, sandbox-safe.
 */

/** One verified provider event, as the gateway hands it to a mailbox (`durableCallbacks.webhookEvent`). */
export interface WebhookEvent extends WebhookMatch {
  /** The provider's delivery id (`X-GitHub-Delivery`, Stripe's event `id`, `webhook-id`, for Slack a hash of the signed body). */
  deliveryId: string;
  /** The request's media type without parameters. */
  contentType: string | null;
  /** The verified event: the JSON body, or for Slack interactivity the parsed `payload`. */
  data: unknown;
  /** Request headers minus credentials and signatures; names lower-case. */
  headers: Record<string, string>;
  /** When the gateway received the request (ISO 8601, gateway clock). */
  receivedAt: string;
}

/** A waiter's subscription to a mailbox (`durableCallbacks.webhookSubscribe`), sent by the `subscribeWebhook` activity. */
export interface WebhookSubscription extends WebhookSubscriptionInfo {
  /** The waiting workflow (from the activity's context), signalled without a run id so it follows continue-as-new. */
  workflowId: string;
  callbackId: string;
  mode: CallbackMode;
  /** Epoch ms after which the mailbox drops the subscription. */
  expiresAt: number;
  /**
   * Set by the mailbox while the subscriber's `subscribeWebhook` is still delivering the held
   * events it was answered with: events that arrive meanwhile wait here, so a stream gets its
   * key's events in the order the mailbox took them. Absent once the subscriber is live.
   */
  backlog?: WebhookEventRef[];
}

/** A waiter leaving a mailbox (`durableCallbacks.webhookUnsubscribe`), sent by the `unsubscribeWebhook` activity. */
export interface WebhookUnsubscription {
  source: string;
  key: string;
  workflowId: string;
  callbackId: string;
}

/** What a mailbox answers to `durableCallbacks.webhookMailbox`: its (source, key), the events it holds (without bodies or headers) and its subscribers. */
export interface WebhookMailboxView {
  source: string;
  key: string;
  events: Array<{ deliveryId: string; event: string; receivedAt: string; heldUntil: string; workflowId: string }>;
  subscribers: Array<{ workflowId: string; callbackId: string; event?: string; mode: CallbackMode; expiresAt: string }>;
}

/** The argument of the `webhookMailbox` workflow: which (source, key) it serves, and state carried across continue-as-new. */
export interface WebhookMailboxInput {
  source: string;
  key: string;
  /** Carried across continue-as-new (or recovered from a run that was terminated). */
  state?: WebhookMailboxState;
}

/**
 * A mailbox's reference to one held event: enough to match it and find its `webhookEvent`
 * workflow, never its body, so a mailbox's history does not grow with the size of what it holds.
 */
export interface WebhookEventRef {
  /** The `webhookEvent` workflow that holds the event. */
  workflowId: string;
  deliveryId: string;
  event: string;
  receivedAt: string;
  /** Epoch ms until which the event is held. */
  heldUntil: number;
  /** `once` waiters this event was handed to: a repeated hold answers them again, so a retry loses none. */
  servedOnce?: WebhookWaiter[];
}

/** One waiting callback: the workflow to signal (by id, so it follows continue-as-new) and its callback id. */
export interface WebhookWaiter {
  workflowId: string;
  callbackId: string;
}

/** What a mailbox carries across continue-as-new. */
export interface WebhookMailboxState {
  events: WebhookEventRef[];
  subscribers: WebhookSubscription[];
}

/** The argument of the `webhookEvent` workflow: the verified event and until when it is held. */
export interface WebhookEventInput {
  event: WebhookEvent;
  /** Epoch ms until which the event is held for waits that begin later. */
  heldUntil: number;
}
