import { pollUntil } from './support/async';
import { postJson, startHarness, type Harness } from './support/harness';
import { urlsQuery } from './workflows';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('a workflow with hundreds of pending callbacks', () => {
  test('takes a delivery on each, and its history grows by a few events per callback', async () => {
    const count = 200;
    const handle = await h.start('manyCallbacks', [count]);
    let urls: string[] = [];
    await pollUntil(`all ${count} URLs are minted`, async () => (urls = await handle.query(urlsQuery)).length >= count, 60_000, 100);
    for (let i = 0; i < urls.length; i += 20) {
      const batch = await Promise.all(urls.slice(i, i + 20).map((url, j) => postJson(url, { n: i + j })));
      expect(batch.every((response) => response.status === 202)).toBe(true);
    }
    expect(await handle.result()).toEqual({ status: 'met', received: count });
    const events = (await handle.fetchHistory()).events ?? [];
    // Per callback: its minting (a local activity marker, or three activity events) and its delivery signal,
    // plus workflow tasks shared between many of them.
    expect(events.length).toBeLessThan(count * 6);
  });
});
