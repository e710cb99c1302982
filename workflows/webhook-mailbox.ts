import { condition, continueAsNew, getExternalWorkflowHandle, setHandler, workflowInfo } from '@temporalio/workflow';
import { deliverCallbackSignal, webhookEventSignal, webhookMailboxQuery, webhookSubscribeSignal, webhookUnsubscribeSignal } from './protocol';
import type { CallbackDelivery, WebhookEvent, WebhookMailboxInput, WebhookMailboxState, WebhookMailboxView, WebhookSubscription, WebhookUnsubscription } from './types';

/** The most events a mailbox holds unless told otherwise; the oldest go first. */
const DEFAULT_MAX_EVENTS = 100;

/**
 * The most characters of held events (as JSON) a mailbox keeps, so the state it carries across
 * continue-as-new stays well under Temporal's 2 MB payload limit; the oldest go first.
 */
const MAX_HELD_CHARS = 512 * 1024;

/** Signals handled in one run before the mailbox continues as new, unless Temporal suggests it sooner. */
const MAX_SIGNALS_PER_RUN = 500;

type Incoming =
  | { kind: 'event'; event: WebhookEvent }
  | { kind: 'subscribe'; subscription: WebhookSubscription }
  | { kind: 'unsubscribe'; unsubscription: WebhookUnsubscription };

const heldChars = (events: readonly WebhookEvent[]) => events.reduce((sum, event) => sum + JSON.stringify(event).length, 0);

function deliveryOf(subscription: WebhookSubscription, event: WebhookEvent): CallbackDelivery {
  return {
    callbackId: subscription.callbackId,
    deliveryId: event.deliveryId,
    kind: 'complete',
    method: 'POST',
    contentType: event.contentType,
    data: event.data,
    query: {},
    headers: event.headers,
    receivedAt: event.receivedAt,
    webhook: { source: event.source, event: event.event, key: event.key },
  };
}

function viewOf(source: string, key: string, state: WebhookMailboxState): WebhookMailboxView {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    source,
    key,
    events: state.events.map((e) => ({ deliveryId: e.deliveryId, event: e.event, receivedAt: e.receivedAt, heldUntil: iso(e.heldUntil) })),
    subscribers: state.subscribers.map((s) => ({ workflowId: s.workflowId, callbackId: s.callbackId, ...(s.event === undefined ? {} : { event: s.event }), mode: s.mode, expiresAt: iso(s.expiresAt) })),
  };
}

/** Exact string equality on source and key (never prefix, never case-folded), then the subscriber's event filter. */
function matches(subscription: WebhookSubscription, event: WebhookEvent): boolean {
  return subscription.source === event.source && subscription.key === event.key && (subscription.event === undefined || subscription.event === event.event);
}

/**
 * The mailbox of one (source, key): the durable meeting point of a provider's events and the
 * webhook waits for them, so neither has to come first. The gateway signals-with-start it for each
 * verified event, and each wait's `subscribeWebhook` activity for each subscription; its id is
 * `durable-callbacks-mailbox:<source>:<sha256 hex of the key>`.
 *
 * It holds each event for `holdMs` (and at most `maxEvents`, oldest first), ignores an event
 * whose delivery id it holds already (a provider's retry), and signals every live subscriber
 * with `durableCallbacks.deliver` (callback id = the subscriber's, delivery id = the provider's),
 * so each waiter applies each delivery once. A new subscriber gets the held events it matches
 * (a `once` subscriber the first). It drops a `once` subscriber once served, a subscriber whose
 * wait is over (`durableCallbacks.webhookUnsubscribe`), past its expiry or whose workflow is gone,
 * continues as new before its history grows large, and completes once it holds neither events
 * nor subscribers. The `durableCallbacks.webhookMailbox` query lists what it holds. Export it from your workflows file
 * on every worker that runs webhook waits.
 */
export async function webhookMailbox(input: WebhookMailboxInput): Promise<void> {
  const { source, key, holdMs } = input;
  const maxEvents = input.maxEvents ?? DEFAULT_MAX_EVENTS;
  const state: WebhookMailboxState = input.state ?? { events: [], subscribers: [] };
  const inbox: Incoming[] = [];
  // A hash collision or a misrouted signal must never reach a waiter: exact equality, again.
  setHandler(webhookEventSignal, (event) => {
    if (event.source === source && event.key === key) inbox.push({ kind: 'event', event });
  });
  setHandler(webhookSubscribeSignal, (subscription) => {
    if (subscription.source === source && subscription.key === key) inbox.push({ kind: 'subscribe', subscription });
  });
  setHandler(webhookUnsubscribeSignal, (unsubscription) => {
    if (unsubscription.source === source && unsubscription.key === key) inbox.push({ kind: 'unsubscribe', unsubscription });
  });
  setHandler(webhookMailboxQuery, () => viewOf(source, key, state));

  const drop = (subscription: WebhookSubscription) => {
    state.subscribers = state.subscribers.filter((s) => s !== subscription);
  };
  const deliver = async (subscription: WebhookSubscription, event: WebhookEvent) => {
    try {
      await getExternalWorkflowHandle(subscription.workflowId).signal(deliverCallbackSignal, deliveryOf(subscription, event));
      if (subscription.mode === 'once') drop(subscription);
    } catch {
      // The waiter is gone (completed, terminated, or never existed): nobody is left to serve.
      drop(subscription);
    }
  };
  const receive = async (event: WebhookEvent) => {
    if (state.events.some((held) => held.deliveryId === event.deliveryId)) return;
    state.events.push({ ...event, heldUntil: Date.now() + holdMs });
    while (state.events.length > maxEvents || (state.events.length > 1 && heldChars(state.events) > MAX_HELD_CHARS)) state.events.shift();
    await Promise.all(state.subscribers.filter((s) => matches(s, event)).map((s) => deliver(s, event)));
  };
  const subscribe = async (subscription: WebhookSubscription) => {
    if (subscription.expiresAt <= Date.now()) return;
    const same = (s: WebhookSubscription) => s.workflowId === subscription.workflowId && s.callbackId === subscription.callbackId;
    state.subscribers = [...state.subscribers.filter((s) => !same(s)), subscription];
    const held = state.events.filter((event) => matches(subscription, event));
    for (const event of subscription.mode === 'once' ? held.slice(0, 1) : held) await deliver(subscription, event);
  };

  let handled = 0;
  for (;;) {
    while (inbox.length > 0) {
      const next = inbox.shift()!;
      handled++;
      if (next.kind === 'event') await receive(next.event);
      else if (next.kind === 'subscribe') await subscribe(next.subscription);
      else {
        const { workflowId, callbackId } = next.unsubscription;
        state.subscribers = state.subscribers.filter((s) => s.workflowId !== workflowId || s.callbackId !== callbackId);
      }
    }
    const now = Date.now();
    state.events = state.events.filter((event) => event.heldUntil > now);
    state.subscribers = state.subscribers.filter((s) => s.expiresAt > now);
    if (state.events.length === 0 && state.subscribers.length === 0) return;
    if (workflowInfo().continueAsNewSuggested || handled >= MAX_SIGNALS_PER_RUN) {
      return continueAsNew<typeof webhookMailbox>({ ...input, state });
    }
    const wakeAt = Math.min(...state.events.map((event) => event.heldUntil), ...state.subscribers.map((s) => s.expiresAt));
    await condition(() => inbox.length > 0, Math.max(1, wakeAt - now));
  }
}
