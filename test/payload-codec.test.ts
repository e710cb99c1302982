import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { createCodecServer } from '../codec/codec-server';
import { loadPayloadCodec } from '../codec/payload-codec';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import { postJson, startHarness, type Harness } from './support/harness';
import { listen, type Listening } from './support/listen';
import { TEST_NAMESPACE, TEST_TEMPORAL_ADDRESS } from './support/test-env';

const key = () => randomBytes(32).toString('base64url');
const payload = (text: string): Payload => ({ metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode(JSON.stringify(text)) });

describe('the AES-256-GCM payload codec', () => {
  test('round-trips payloads and hides their content', async () => {
    const codec = (await loadPayloadCodec({ keys: new Map([['k1', key()]]), activeKid: 'k1' }))!;
    const [encoded] = await codec.encode([payload('https://gateway/callbacks/secret-token')]);
    expect(Buffer.from(encoded!.data!).toString('latin1')).not.toContain('secret-token');
    expect(new TextDecoder().decode(encoded!.metadata!['encryption-key-id'])).toBe('k1');
    const [decoded] = await codec.decode([encoded!]);
    expect(new TextDecoder().decode(decoded!.data!)).toBe('"https://gateway/callbacks/secret-token"');
  });

  test('after rotation, old payloads still decode; a payload from an unknown key is an error', async () => {
    const old = key();
    const before = (await loadPayloadCodec({ keys: new Map([['old', old]]), activeKid: 'old' }))!;
    const after = (await loadPayloadCodec({ keys: new Map([['new', key()], ['old', old]]), activeKid: 'new' }))!;
    const [fromOld] = await before.encode([payload('kept')]);
    expect(new TextDecoder().decode((await after.decode([fromOld!]))[0]!.data!)).toBe('"kept"');
    const [fromNew] = await after.encode([payload('new')]);
    await expect(before.decode([fromNew!])).rejects.toThrow(/'new'/);
  });
});

describe('with the codec on', () => {
  let h: Harness;
  let codecServer: Listening;
  const keys = new Map([['k1', key()]]);

  beforeAll(async () => {
    const codec = (await loadPayloadCodec({ keys, activeKid: 'k1' }))!;
    h = await startHarness({ payloadCodec: codec, workerApiKey: true });
    codecServer = await listen(createCodecServer({ codec, allowedOrigin: 'http://localhost:8233', authToken: 'ui-token' }));
  });
  afterAll(async () => {
    await codecServer?.close();
    await h?.close();
  });

  test('the raw history holds no callback URL, token, API key or delivered data; the codec server shows them to the key holder', async () => {
    const handle = await h.start('awaitCallback', [{ timeout: '1m', includeApiKey: true }]);
    const url = await waitForCallbackUrl(handle);
    const token = new URL(url).pathname.split('/').pop()!;
    expect((await postJson(url, { incident: 'INC-4242-confidential' })).status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'received', data: { incident: 'INC-4242-confidential' } });

    const connection = await Connection.connect({ address: TEST_TEMPORAL_ADDRESS });
    try {
      const raw = await new Client({ connection, namespace: TEST_NAMESPACE }).workflow.getHandle(handle.workflowId).fetchHistory();
      const rawText = JSON.stringify(raw, (_name, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value));
      for (const secret of [token, url, h.workerApiKey!, 'INC-4242-confidential']) expect(rawText).not.toContain(secret);

      // The minting result: a local activity's marker (the default) or an activity's completion.
      const minted = raw.events!.find((event) => event.markerRecordedEventAttributes?.details?.result || event.activityTaskCompletedEventAttributes)!;
      const completed = (minted.markerRecordedEventAttributes?.details?.result ?? minted.activityTaskCompletedEventAttributes!.result)!.payloads!;
      const asJson = completed.map((p) => ({
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')])),
        data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
      }));
      const refused = await fetch(`${codecServer.url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payloads: asJson }) });
      expect(refused.status).toBe(401);
      const decoded = await fetch(`${codecServer.url}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer ui-token', origin: 'http://localhost:8233' },
        body: JSON.stringify({ payloads: asJson }),
      });
      expect(decoded.status).toBe(200);
      expect(decoded.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
      const body = (await decoded.json()) as { payloads: Array<{ data: string }> };
      expect(Buffer.from(body.payloads[0]!.data, 'base64').toString()).toContain(token);
    } finally {
      await connection.close();
    }
  });
});
