import { setHandler } from '@temporalio/workflow';
import { deliverCallbackSignal } from './definitions';
import type { CallbackDelivery } from './types';

/**
 * Where a workflow keeps the deliveries the gateway signals to it, per callback id, each
 * delivery id once. Module state is per workflow execution: the worker gives every workflow its
 * own copy of each bundled module.
 */
export interface DeliveryInbox {
  /** The first delivery for `callbackId`, if any arrived. */
  first(callbackId: string): CallbackDelivery | undefined;
}

class SignalDeliveryInbox implements DeliveryInbox {
  private readonly byCallback = new Map<string, CallbackDelivery[]>();
  private readonly seenDeliveryIds = new Set<string>();

  accept(delivery: CallbackDelivery): void {
    // A sender's retry, the gateway's or the SDK's, carries the same delivery id: apply it once.
    const key = `${delivery.callbackId}\u0000${delivery.deliveryId}`;
    if (this.seenDeliveryIds.has(key)) return;
    this.seenDeliveryIds.add(key);
    const list = this.byCallback.get(delivery.callbackId);
    if (list) list.push(delivery);
    else this.byCallback.set(delivery.callbackId, [delivery]);
  }

  first(callbackId: string): CallbackDelivery | undefined {
    return this.byCallback.get(callbackId)?.[0];
  }
}

let inbox: SignalDeliveryInbox | undefined;

/**
 * Returns this workflow's inbox, installing the delivery signal handler on first use. Called
 * before any URL is minted, so a delivery can never arrive before its handler exists (and the
 * SDK buffers signals that arrive before any handler is set).
 */
export function deliveryInbox(): DeliveryInbox {
  if (!inbox) {
    const created = new SignalDeliveryInbox();
    setHandler(deliverCallbackSignal, (delivery) => created.accept(delivery));
    inbox = created;
  }
  return inbox;
}
