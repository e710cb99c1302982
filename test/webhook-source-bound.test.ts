import { randomUUID } from 'node:crypto';
import { webhookMailboxId } from '../protocol/webhook-ids';
import { webhookMailboxQuery } from '../protocol/definitions';
import { pollUntil } from './support/async';
import { errorOf, type Harness } from './support/harness';
import { startWebhookHarness } from './support/webhook-harness';
import { STANDARD_SECRET, sendStandard } from './support/webhook-senders';

/**
 * The bound on what one webhook source holds (`WEBHOOK_MAX_HELD_EVENTS`), counted in Temporal's
 * visibility: past it the gateway answers 503 with `Retry-After`, and holds nothing of the event.
 * The source's name is new for each run, so no other test's events count towards it.
 */

const capped = `capped-${randomUUID().slice(0, 8)}`;
/** What `capped` may hold at once. */
const CAP = 2;

let h: Harness;
beforeAll(async () => {
  h = await startWebhookHarness({ [capped]: { provider: 'standard-webhooks', secret: STANDARD_SECRET, events: { '*': { key: '{/data/id}' } } } }, { webhookHoldMs: 60_000, webhookMaxHeldEvents: CAP });
});
afterAll(async () => {
  await h?.close();
});

const unique = () => randomUUID().slice(0, 8);

describe('a bound on what one source holds', () => {
  test(`past ${CAP} held events the source answers 503 WEBHOOK_SOURCE_FULL with Retry-After, and holds nothing of the refused event`, async () => {
    const url = `${h.gatewayUrl}/webhooks/${capped}`;
    const held: string[] = [];
    for (let i = 0; i < CAP; i++) {
      held.push(`cap-${unique()}`);
      const response = await sendStandard(url, { id: `msg_${unique()}`, body: { type: 'x', data: { id: held.at(-1) } } });
      expect(response.status).toBe(202);
    }
    const key = `cap-refused-${unique()}`;
    const refused = await sendStandard(url, { id: `msg_${unique()}`, body: { type: 'x', data: { id: key } } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await errorOf(refused)).code).toBe('WEBHOOK_SOURCE_FULL');
    const mailbox = await h.client.workflow.getHandle(webhookMailboxId(capped, key)).describe().catch(() => undefined);
    expect(mailbox).toBeUndefined();
    // The accepted ones are held by their mailboxes.
    for (const heldKey of held) {
      await pollUntil('the mailbox holding the event', async () => (await h.client.workflow.getHandle(webhookMailboxId(capped, heldKey)).query(webhookMailboxQuery).catch(() => undefined))?.events.length === 1, 20_000, 100);
    }
  });
});
