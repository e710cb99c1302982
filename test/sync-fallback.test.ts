import { waitForCallbackUrl } from './support/wait-for-callback-url';
import { postJson, startHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('a synchronous delivery with no worker running', () => {
  test('falls back to the durable signal (202), and the workflow takes it once a worker is back', async () => {
    const handle = await h.start('awaitCallback', [{ timeout: '5m' }]);
    const url = await waitForCallbackUrl(handle);
    await h.stopWorker();
    const response = await postJson(url, { while: 'worker down' }, { prefer: 'wait=2', 'idempotency-key': 'only-once' });
    expect(response.status).toBe(202);
    expect(response.headers.get('preference-applied')).toBeNull();
    await h.startWorker();
    expect(await handle.result()).toMatchObject({ status: 'received', deliveryId: 'only-once', data: { while: 'worker down' } });
  });
});
