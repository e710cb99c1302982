import { createHash } from 'node:crypto';
import { WEBHOOK_EVENT_ID_PREFIX, WEBHOOK_MAILBOX_ID_PREFIX } from './definitions';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The workflow id of the mailbox for (`source`, `key`): `durable-callbacks-mailbox:<source>:<sha256
 * hex of the key's UTF-8 bytes>`. Deterministic, so every held event's activity and every waiter's
 * subscribe activity reach the same mailbox with update-with-start; the hash keeps any key (any
 * length, any characters) within Temporal's id rules. Injective over well-formed keys, which are
 * the only ones the gateway routes and a wait may name (a lone surrogate would encode as U+FFFD).
 * The mailbox compares source and key exactly too.
 */
export function webhookMailboxId(source: string, key: string): string {
  return `${WEBHOOK_MAILBOX_ID_PREFIX}${source}:${sha256Hex(key)}`;
}

/**
 * The workflow id of the `webhookEvent` that holds the event of `source` with `replayId` (an id made
 * of signed content only): `durable-callbacks-event:<source>:<sha256 hex of the replay id>`. The
 * key is left out on purpose: a replay that changes an unsigned header (GitHub's event type) and so
 * the key still names the same workflow, which Temporal refuses to start twice.
 */
export function webhookEventId(source: string, replayId: string): string {
  return `${WEBHOOK_EVENT_ID_PREFIX}${source}:${sha256Hex(replayId)}`;
}

/** The prefix shared by the ids of every event held for `source`, to count them in visibility. */
export function webhookEventIdPrefix(source: string): string {
  return `${WEBHOOK_EVENT_ID_PREFIX}${source}:`;
}
