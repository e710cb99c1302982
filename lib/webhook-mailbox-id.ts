import { createHash } from 'node:crypto';
import { WEBHOOK_MAILBOX_ID_PREFIX } from '../workflows/protocol';

/**
 * The workflow id of the mailbox for (`source`, `key`): `durable-callbacks-mailbox:<source>:<sha256
 * hex of the key's UTF-8 bytes>`. Deterministic, so the gateway and every waiter's subscribe
 * activity reach the same mailbox with signal-with-start; the hash keeps any key (any length,
 * any characters) within Temporal's id rules. The mailbox compares source and key exactly too.
 */
export function webhookMailboxId(source: string, key: string): string {
  return `${WEBHOOK_MAILBOX_ID_PREFIX}${source}:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}
