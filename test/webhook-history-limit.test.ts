import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { webhookMailboxId } from '../protocol/webhook-ids';
import { devServer, freePort, type DevServer } from './support/dev-server';
import { errorOf, type Harness } from './support/harness';
import { received, startWebhookHarness } from './support/webhook-harness';
import { TEST_DATA_DIR } from './support/test-env';
import { STANDARD_SECRET, sendStandard } from './support/webhook-senders';

/**
 * Webhook events while no worker runs, on a dev server of this file's own whose history limits
 * are far below Temporal's defaults (an operator may set them so): events that together are larger
 * than one history may be are all accepted, each held in a history of its own, and every one
 * reaches its wait once the worker is back. A body over the server's payload limit is refused
 * with 413, never 500.
 */

const MB = 1024 * 1024;
const LIMITS = {
  'limit.historySize.error': MB,
  'limit.historySize.warn': MB / 2,
  'limit.historySize.suggestContinueAsNew': (3 * MB) / 4,
  'limit.blobSize.error': 400 * 1024,
  'limit.blobSize.warn': 300 * 1024,
};
/** Events of about 150 KB: eight of them are over the history limit, each well within the payload limit with the wait's result. */
const EVENTS = 8;
const FILLER = 'x'.repeat(150 * 1024);

let server: DevServer;
let h: Harness;
let serverData: string;
beforeAll(async () => {
  const [port, uiPort] = [await freePort(), await freePort()];
  serverData = path.join(TEST_DATA_DIR, `temporal-limits-${port}`);
  server = devServer({ port, uiPort, dataDir: serverData, dynamicConfig: LIMITS });
  await server.startFresh(() => undefined);
  const sources = { standard: { provider: 'standard-webhooks', secret: STANDARD_SECRET, events: { '*': { key: '{/data/id}' } } } };
  h = await startWebhookHarness(sources, { webhookHoldMs: 10 * 60_000, temporalAddress: server.address, maxBodyBytes: 2 * MB });
}, 120_000);
afterAll(async () => {
  await h?.close();
  await server?.stop(() => undefined);
  if (serverData) await fs.rm(serverData, { recursive: true, force: true });
});

test(`with the worker down, ${EVENTS} events of 150 KB for one key (over a 1 MB history limit) are all accepted, and each reaches its wait once the worker is back`, async () => {
  const key = `outage-${randomUUID().slice(0, 8)}`;
  await h.stopWorker();
  for (let i = 0; i < EVENTS; i++) {
    const response = await sendStandard(`${h.gatewayUrl}/webhooks/standard`, { id: `msg_${randomUUID()}`, body: { type: `step-${i}`, data: { id: key, i, filler: FILLER } } });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: 'accepted' });
  }
  // One wait per event, each taking only its own event type, so no one history holds them all.
  const waits = await Promise.all(Array.from({ length: EVENTS }, (_, i) => h.start('webhookWait', [{ source: 'standard', key, event: `step-${i}`, timeout: '5m' }])));
  await h.startWorker();
  for (const [i, wait] of waits.entries()) {
    const result = await received(wait);
    expect(result.data).toMatchObject({ type: `step-${i}`, data: { i } });
    expect(result.deliveries).toHaveLength(1);
  }
  const mailbox = await h.client.workflow.getHandle(webhookMailboxId('standard', key)).describe();
  expect(mailbox.status.name).toBe('RUNNING');
  expect(Number(mailbox.raw.workflowExecutionInfo?.historySizeBytes ?? 0)).toBeLessThan(MB / 4);
}, 180_000);

test("an event over the server's payload limit is refused 413 PAYLOAD_TOO_LARGE, and nothing of it is held", async () => {
  const response = await sendStandard(`${h.gatewayUrl}/webhooks/standard`, { id: `msg_${randomUUID()}`, body: { type: 'big', data: { id: `big-${randomUUID()}`, filler: 'y'.repeat(500 * 1024) } } });
  expect(response.status).toBe(413);
  expect((await errorOf(response)).code).toBe('PAYLOAD_TOO_LARGE');
});
