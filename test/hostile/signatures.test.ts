import { randomBytes } from 'node:crypto';
import { callbacksQuery } from '../../protocol/definitions';
import { deliveryEvents } from '../support/history';
import { hostileSuite, SENDER, type HostileCase, type HostileGateway } from '../support/hostile';
import type { RefusalCode } from '../support/refusals';
import { mintFor, nowSeconds } from '../support/tokens';

/** Missing, stale and wrong Standard Webhooks signatures on a callback that requires one. */

const body = JSON.stringify({ event: 'ticket.assigned', assignee: 'mallory' });

/** POSTs `body` to the signed callback with the headers `headers` makes; the signature sent must not be repeated. */
function signatureCase(name: string, headers: (g: HostileGateway) => Record<string, string>, status: number, code: RefusalCode): HostileCase {
  return {
    name,
    status,
    code,
    async request(g) {
      const sent = headers(g);
      return { sent: await fetch(g.signed.url, { method: 'POST', headers: sent, body }), secrets: [sent['webhook-signature']] };
    },
  };
}

const SIGNATURE_CASES: HostileCase[] = [
  signatureCase('no signature headers at all', () => ({ 'content-type': 'application/json' }), 401, 'SIGNATURE_MISSING'),
  signatureCase(
    'webhook-id and webhook-timestamp without webhook-signature',
    (g) => {
      const { 'webhook-signature': _dropped, ...headers } = g.webhookHeaders(body);
      return headers;
    },
    401,
    'SIGNATURE_MISSING',
  ),
  signatureCase('a stale timestamp (an hour old), correctly signed', (g) => g.webhookHeaders(body, { timestamp: nowSeconds() - 3600 }), 401, 'SIGNATURE_TIMESTAMP_INVALID'),
  signatureCase('a captured request replayed after the five-minute window', (g) => g.webhookHeaders(body, { timestamp: nowSeconds() - 6 * 60 }), 401, 'SIGNATURE_TIMESTAMP_INVALID'),
  signatureCase('a timestamp ten minutes in the future, correctly signed', (g) => g.webhookHeaders(body, { timestamp: nowSeconds() + 600 }), 401, 'SIGNATURE_TIMESTAMP_INVALID'),
  signatureCase('a timestamp that is not Unix seconds', (g) => g.webhookHeaders(body, { timestamp: new Date().toISOString() }), 401, 'SIGNATURE_TIMESTAMP_INVALID'),
  signatureCase(
    'a signature over a different body',
    (g) => g.webhookHeaders(body, { signedBody: JSON.stringify({ event: 'ticket.assigned', assignee: 'alice' }) }),
    401,
    'SIGNATURE_INVALID',
  ),
  signatureCase("a signature made with another sender's secret", (g) => g.webhookHeaders(body, { key: randomBytes(32) }), 401, 'SIGNATURE_INVALID'),
  signatureCase('a signature computed for another webhook-id', (g) => g.webhookHeaders(body, { signedId: 'evt_the_original' }), 401, 'SIGNATURE_INVALID'),
  signatureCase('a correct signature under an unknown scheme (v1a)', (g) => g.webhookHeaders(body, { scheme: 'v1a' }), 401, 'SIGNATURE_INVALID'),
  signatureCase('a bad signature asking for a synchronous answer (an update)', (g) => ({ ...g.webhookHeaders(body, { key: randomBytes(32) }), prefer: 'wait=5' }), 401, 'SIGNATURE_INVALID'),
];

hostileSuite('Standard Webhooks signatures', (g) => {
  test.each(SIGNATURE_CASES)('$name', (c) => g.run(c));

  // The gateway's configuration is wrong, not the request: a retry may succeed once the secret is added.
  test('a callback requiring a signature from a sender with no secret: 503 with Retry-After, logged once per sender', async () => {
    const sender = 'not-configured-here';
    const token = await mintFor(g.h.minter, g.plain, { signatureSender: sender });
    const errorsFor = () => g.h.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.level === 'error');
    const errorsBefore = errorsFor().length;
    for (const prefer of [undefined, 'wait=5', undefined]) {
      const headers: Record<string, string> = { ...g.webhookHeaders(body), ...(prefer ? { prefer } : {}) };
      const sent = await fetch(g.url(token), { method: 'POST', headers, body });
      await g.expectRefused(sent, 503, 'SIGNATURE_SENDER_NOT_CONFIGURED', [token, headers['webhook-signature']]);
      expect(Number(sent.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    const logged = errorsFor().slice(errorsBefore);
    expect(logged).toEqual([expect.objectContaining({ level: 'error', sender })]);
    expect(String(logged[0]!.msg)).toContain('WEBHOOK_SECRETS');
  });

  test('a replay inside the window with the same webhook-id is accepted again, but the workflow applies it once', async () => {
    const stream = await g.waiting({ requireSignature: SENDER, mode: 'stream' });
    const headers = g.webhookHeaders(body, { id: 'evt_replayed_inside_window' });
    const first = await fetch(stream.url, { method: 'POST', headers, body });
    const replay = await fetch(stream.url, { method: 'POST', headers, body });
    expect([first.status, replay.status]).toEqual([202, 202]);
    expect(await replay.json()).toMatchObject({ deliveryId: 'evt_replayed_inside_window' });
    // Synchronously, the workflow itself says the replay is a duplicate.
    const sync = await fetch(stream.url, { method: 'POST', headers: { ...headers, prefer: 'wait=10' }, body });
    expect(sync.status).toBe(200);
    expect(await sync.json()).toMatchObject({ status: 'duplicate', deliveryId: 'evt_replayed_inside_window' });
    const [info] = await stream.handle.query(callbacksQuery);
    expect(info?.deliveries).toBe(1);
    expect((await deliveryEvents(stream.handle)).signals).toBe(2);
  });
});
