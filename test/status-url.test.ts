import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { callbacksQuery } from '../protocol/definitions';
import { pollUntil } from './support/async';
import { errorOf, postJson, startHarness, type Harness } from './support/harness';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import type { ApprovalRequestInput, ConfigurableWaitInput } from './workflows';

const SENDER = 'ticketing';
const secret = randomBytes(32);
const signer = new Webhook(`whsec_${secret.toString('base64')}`);

// A delivery timeout far longer than the tests without a worker may take: were the status URL's
// query bound by it, they would time out (a query no worker answers waits out its deadline, or
// Temporal's own of about 30 s). The query deadline is what bounds them.
const CALL_TIMEOUT_MS = 120_000;
const QUERY_TIMEOUT_MS = 300;
const TEST_TIMEOUT_MS = 15_000;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ temporalCallTimeoutMs: CALL_TIMEOUT_MS, queryTimeoutMs: QUERY_TIMEOUT_MS, signatureSecrets: new Map([[SENDER, secret]]) });
});
afterAll(async () => {
  await h?.close();
});

async function waiting(input: ConfigurableWaitInput): Promise<{ handle: Awaited<ReturnType<Harness['start']>>; url: string }> {
  const handle = await h.start('configurableWait', [input]);
  return { handle, url: await waitForCallbackUrl(handle) };
}

async function status(url: string, deliveryId?: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/status${deliveryId === undefined ? '' : `?deliveryId=${encodeURIComponent(deliveryId)}`}`, { headers });
}

/** Standard Webhooks headers signing `body` as message `id`, at `at`. */
function signed(id: string, body = '', at = new Date()): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signer.sign(id, at, body) };
}

describe('GET /callbacks/:token/status while no worker polls the task queue', () => {
  test(
    'answers from what Temporal and the token say, bounded by the query deadline, and lists the actions a delivery would be taken on',
    async () => {
      const { handle, url } = await waiting({ withSchema: true });
      await h.stopWorker();
      try {
        const response = await status(url);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({
          callbackId: expect.any(String),
          workflow: 'running',
          status: 'unknown',
          expiresAt: expect.any(String),
          accepts: { actions: ['complete', 'fail', 'heartbeat'], methods: ['POST', 'PUT'], apiKey: false, signature: false },
          schema: null,
        });
        // The history says the delivery never reached the chain.
        expect(await (await status(url, 'while-down')).json()).toMatchObject({ status: 'unknown', delivery: { deliveryId: 'while-down', outcome: 'unknown' } });

        // What the actions promised: the delivery is taken (recorded now, applied once a worker runs).
        const delivered = await postJson(url, { decision: 'approve' }, { 'idempotency-key': 'while-down' });
        expect(delivered.status).toBe(202);
        expect(await delivered.json()).toMatchObject({ status: 'accepted' });
        expect(await (await status(url, 'while-down')).json()).toMatchObject({ workflow: 'running', delivery: { deliveryId: 'while-down', outcome: 'recorded' } });
      } finally {
        await h.startWorker();
      }

      expect(await handle.result()).toMatchObject({ status: 'received', deliveryId: 'while-down' });
      expect(await (await status(url, 'while-down')).json()).toMatchObject({
        workflow: 'closed',
        status: 'completed',
        accepts: { actions: [] },
        schema: { type: 'object' },
        delivery: { deliveryId: 'while-down', outcome: 'applied' },
      });
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'a closed workflow with no worker: status unknown, no actions',
    async () => {
      const { handle, url } = await waiting({});
      expect((await postJson(url, { decision: 'approve' }, { 'idempotency-key': 'done' })).status).toBe(202);
      await handle.result();
      await h.stopWorker();
      try {
        expect(await (await status(url)).json()).toMatchObject({ workflow: 'closed', status: 'unknown', accepts: { actions: [] } });
      } finally {
        await h.startWorker();
      }
    },
    TEST_TIMEOUT_MS,
  );
});

describe("a signed callback's status tells a delivery's outcome only to that delivery's signature", () => {
  test('without a valid Standard Webhooks signature for the delivery id asked about (over an empty body), ?deliveryId= is refused as a delivery would be', async () => {
    const { handle, url } = await waiting({ mode: 'stream', requireSignature: SENDER, untilCount: 5 });
    const body = JSON.stringify({ event: 'ticket.assigned' });
    const delivered = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...signed('evt_1', body) }, body });
    expect(delivered.status).toBe(202);

    // The callback's own status needs no signature: it names no delivery.
    const plain = await status(url);
    expect(plain.status).toBe(200);
    const plainBody = await plain.json();
    expect(plainBody).toMatchObject({ workflow: 'running', status: 'pending', accepts: { signature: true } });
    expect(plainBody).not.toHaveProperty('delivery');

    const refusals: Array<[Record<string, string>, number, string]> = [
      [{}, 401, 'SIGNATURE_MISSING'],
      [{ ...signed('evt_1'), 'webhook-signature': signed('evt_1', 'another body')['webhook-signature']! }, 401, 'SIGNATURE_INVALID'],
      [signed('evt_1', '', new Date(Date.now() - 3_600_000)), 401, 'SIGNATURE_TIMESTAMP_INVALID'],
      [signed('evt_other'), 400, 'DELIVERY_ID_MISMATCH'],
    ];
    for (const [headers, code, errorCode] of refusals) {
      for (const deliveryId of ['evt_1', 'evt_guessed']) {
        const refused = await status(url, deliveryId, headers);
        expect({ deliveryId, errorCode, status: refused.status }).toEqual({ deliveryId, errorCode, status: code });
        expect((await errorOf(refused)).code).toBe(errorCode);
      }
    }

    // Signed by the reference library for that delivery id, over an empty body: answered.
    let answered: Record<string, any> = {};
    await pollUntil('evt_1 is answered as applied', async () => {
      const response = await status(url, 'evt_1', signed('evt_1'));
      expect(response.status).toBe(200);
      answered = (await response.json()) as Record<string, any>;
      return answered.delivery?.outcome === 'applied';
    }, 10_000, 50);
    expect(answered.delivery).toEqual({ deliveryId: 'evt_1', outcome: 'applied' });
    const guessed = await status(url, 'evt_guessed', signed('evt_guessed'));
    expect(((await guessed.json()) as Record<string, any>).delivery).toEqual({ deliveryId: 'evt_guessed', outcome: 'unknown' });

    // Asking never delivers anything.
    const [info] = await handle.query(callbacksQuery);
    expect(info).toMatchObject({ deliveries: 1, rejected: [] });
    await handle.terminate('test done');
  });

  test('a callback that requires an API key asks for it before any status', async () => {
    const handle = await h.start('approvalRequest', [{ requireApiKey: true } satisfies ApprovalRequestInput]);
    const url = await waitForCallbackUrl(handle);
    const missing = await status(url, 'any');
    expect(missing.status).toBe(401);
    expect((await errorOf(missing)).code).toBe('API_KEY_MISSING');
    const { key } = await h.apiKeys.create({ name: 'status-reader', scopes: ['workflows:execute'] });
    const answered = await status(url, 'any', { 'x-api-key': key });
    expect(answered.status).toBe(200);
    expect(await answered.json()).toMatchObject({ accepts: { apiKey: true }, delivery: { deliveryId: 'any', outcome: 'unknown' } });
    await handle.terminate('test done');
  });
});
