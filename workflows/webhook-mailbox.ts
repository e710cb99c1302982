import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { webhookCaughtUpUpdate, webhookHoldUpdate, webhookMailboxQuery, webhookMailboxStateQuery, webhookSubscribeUpdate, webhookUnsubscribeSignal } from '../protocol/definitions';
import type { WebhookEventRef, WebhookMailboxInput, WebhookMailboxState, WebhookMailboxView, WebhookSubscription, WebhookWaiter } from '../protocol/webhook-messages';
import type { WebhookRoutingActivities } from '../protocol/activity-contracts';

/**
 * Messages handled in one run before the mailbox continues as new, unless Temporal suggests it
 * sooner. Each is a small update or signal (references, never bodies), so a run stays far below
 * any history limit a server is likely to run with; nothing reaches a mailbox while no worker
 * runs, since only workers' activities send to it.
 */
const MAX_MESSAGES_PER_RUN = 100;

/**
 * A mailbox that starts a new chain asks once what the run before it held; retried until
 * visibility answers. A regular activity: its query of the run before needs a workflow task slot.
 */
const { recoverWebhookMailbox } = proxyActivities<WebhookRoutingActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', maximumInterval: '30s' },
});

const waiterOf = ({ workflowId, callbackId }: WebhookWaiter): WebhookWaiter => ({ workflowId, callbackId });
const strip = ({ servedOnce: _served, ...ref }: WebhookEventRef): WebhookEventRef => ref;
const sameWaiter = (a: WebhookWaiter, b: WebhookWaiter) => a.workflowId === b.workflowId && a.callbackId === b.callbackId;

/** The subscriber's event filter (source and key are the mailbox's own: compared when the message arrives). */
const wants = (subscription: WebhookSubscription, ref: WebhookEventRef) => subscription.event === undefined || subscription.event === ref.event;

function viewOf(source: string, key: string, state: WebhookMailboxState): WebhookMailboxView {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    source,
    key,
    events: state.events.map((e) => ({ deliveryId: e.deliveryId, event: e.event, receivedAt: e.receivedAt, heldUntil: iso(e.heldUntil), workflowId: e.workflowId })),
    subscribers: state.subscribers.map((s) => ({ workflowId: s.workflowId, callbackId: s.callbackId, ...(s.event === undefined ? {} : { event: s.event }), mode: s.mode, expiresAt: iso(s.expiresAt) })),
  };
}

/** `into` with what `recovered` holds that it does not: events by workflow id, subscribers by waiter. */
function merge(into: WebhookMailboxState, recovered: WebhookMailboxState): WebhookMailboxState {
  return {
    events: [...recovered.events.filter((e) => !into.events.some((held) => held.workflowId === e.workflowId)), ...into.events],
    subscribers: [...recovered.subscribers.filter((s) => !into.subscribers.some((held) => sameWaiter(held, s))), ...into.subscribers],
  };
}

/**
 * The mailbox of one (source, key): where a provider's events and the webhook waits for them meet,
 * so neither has to come first. Its id is `durable-callbacks-mailbox:<source>:<sha256 hex of the key>`.
 *
 * It holds references, never bodies: each event is held by a `webhookEvent` workflow of its own,
 * whose `holdWebhookEvent` activity sends the reference here (`durableCallbacks.webhookHold`, an
 * update-with-start) and gets back the waits to deliver it to now; each wait's `subscribeWebhook`
 * activity subscribes (`durableCallbacks.webhookSubscribe`) and gets back the held events to
 * deliver to it (for a `once` wait, the first). A `once` waiter is dropped once served; a waiter
 * whose wait is over leaves (`durableCallbacks.webhookUnsubscribe`) or is dropped at its expiry.
 *
 * No single run is a point of loss: it continues as new every {@link MAX_MESSAGES_PER_RUN}
 * messages (or when Temporal suggests), carrying what it holds; a mailbox that starts a new chain
 * first reads what the run before it held when that run was terminated, failed or timed out, and
 * carries it on. It completes once it holds neither events nor subscribers. The
 * `durableCallbacks.webhookMailbox` query lists what it holds. Export it from your workflows file
 * on every worker that runs webhook waits, next to `webhookEvent`.
 */
export async function webhookMailbox(input: WebhookMailboxInput): Promise<void> {
  const { source, key } = input;
  let state: WebhookMailboxState = input.state ?? { events: [], subscribers: [] };
  let ready = input.state !== undefined;
  let handled = 0;

  /** The waiters to hand `ref` to now: those it was handed to before (a retried hold), and every matching subscriber; `once` ones are served. */
  const serve = (ref: WebhookEventRef): WebhookWaiter[] => {
    const now = Date.now();
    const live = state.subscribers.filter((s) => s.expiresAt > now && wants(s, ref));
    // A subscriber still being handed its held events takes this one after them, in order.
    for (const s of live) if (s.backlog && !s.backlog.some((held) => held.workflowId === ref.workflowId)) s.backlog.push(strip(ref));
    const matching = live.filter((s) => !s.backlog);
    const once = matching.filter((s) => s.mode === 'once');
    if (once.length > 0) {
      ref.servedOnce = [...(ref.servedOnce ?? []), ...once.map(waiterOf)];
      state.subscribers = state.subscribers.filter((s) => !once.includes(s));
    }
    const earlier = (ref.servedOnce ?? []).filter((w) => !matching.some((s) => sameWaiter(s, w)));
    return [...earlier, ...matching.map(waiterOf)];
  };

  setHandler(
    webhookHoldUpdate,
    async (ref) => {
      await condition(() => ready);
      handled++;
      const held = state.events.find((e) => e.workflowId === ref.workflowId);
      if (held) return serve(held);
      const entry: WebhookEventRef = { workflowId: ref.workflowId, deliveryId: ref.deliveryId, event: ref.event, receivedAt: ref.receivedAt, heldUntil: ref.heldUntil };
      if (entry.heldUntil > Date.now()) state.events.push(entry);
      return serve(entry);
    },
  );
  setHandler(
    webhookSubscribeUpdate,
    async (subscription) => {
      await condition(() => ready);
      handled++;
      const now = Date.now();
      state.subscribers = state.subscribers.filter((s) => !sameWaiter(s, subscription));
      if (subscription.expiresAt <= now) return [];
      // In the order the gateway accepted them (ISO timestamps sort as text), whatever order their workflows handed them over in.
      const held = state.events.filter((e) => e.heldUntil > now && wants(subscription, e)).sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0));
      const first = held[0];
      if (subscription.mode === 'once' && first) {
        first.servedOnce = [...(first.servedOnce ?? []), waiterOf(subscription)];
        return [strip(first)];
      }
      const { backlog: _backlog, ...fresh } = subscription;
      state.subscribers.push(held.length > 0 ? { ...fresh, backlog: [] } : fresh);
      return held.map(strip);
    },
    {
      // Exact equality on source and key, never a prefix or a folded case: a misrouted subscription never joins.
      validator: (subscription) => {
        if (subscription.source !== source || subscription.key !== key) throw new Error('This mailbox serves another (source, key).');
      },
    },
  );
  setHandler(webhookCaughtUpUpdate, async (waiter) => {
    await condition(() => ready);
    handled++;
    const subscriber = state.subscribers.find((s) => sameWaiter(s, waiter));
    const backlog = subscriber?.backlog ?? [];
    if (subscriber) {
      if (backlog.length === 0) delete subscriber.backlog;
      else subscriber.backlog = [];
    }
    return backlog;
  });
  setHandler(webhookUnsubscribeSignal, ({ source: s, key: k, ...waiter }) => {
    if (s !== source || k !== key) return;
    handled++;
    state.subscribers = state.subscribers.filter((held) => !sameWaiter(held, waiter));
  });
  setHandler(webhookMailboxQuery, () => viewOf(source, key, state));
  setHandler(webhookMailboxStateQuery, () => state);

  if (!ready) {
    const recovered = await recoverWebhookMailbox({ source, key });
    if (recovered) state = merge(state, recovered);
    ready = true;
  }
  for (;;) {
    const now = Date.now();
    state.events = state.events.filter((e) => e.heldUntil > now);
    state.subscribers = state.subscribers.filter((s) => s.expiresAt > now);
    if (state.events.length === 0 && state.subscribers.length === 0 && allHandlersFinished()) return;
    if (handled >= MAX_MESSAGES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof webhookMailbox>({ source, key, state });
    }
    const seen = handled;
    // Nothing held yet means a first message is still being handled: its handler wakes the loop.
    const expiries = [...state.events.map((e) => e.heldUntil), ...state.subscribers.map((s) => s.expiresAt)];
    const wakeAt = expiries.length > 0 ? Math.min(...expiries) : now + 60_000;
    await condition(() => handled !== seen, Math.max(1, wakeAt - now));
  }
}
