import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { CallbackUrlNotMintedError, startAwaitCallback, startWithCallbackUrl } from '../client';
import type { awaitCallback } from '../workflows';
import { postJson, startHarness, type Harness } from './support/harness';
import { urlToStarterReleaseSignal, type urlToStarter } from './workflows/url-to-starter';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const CALLBACK_ID = /^[0-9a-f-]{36}$/;

describe('startWithCallbackUrl: any workflow that calls publishCallbackUrls() hands its URL to the starter', () => {
  test('the URL comes back with the start, after the workflow minted it; a POST to it completes the workflow', async () => {
    const started = await startWithCallbackUrl<typeof urlToStarter>(h.client, 'urlToStarter', {
      taskQueue: h.taskQueue,
      args: [{ sleepBeforeMint: '1s' }],
    });
    expect(started.url.startsWith(`${h.gatewayUrl}/callbacks/`)).toBe(true);
    expect(started.callbackId).toMatch(CALLBACK_ID);
    expect(Date.parse(started.expiresAt)).toBeGreaterThan(Date.now() + 9 * 60_000);
    expect(started.callbacks).toEqual({ [started.callbackId]: { url: started.url, callbackId: started.callbackId, expiresAt: started.expiresAt } });
    expect(started.handle.workflowId).toMatch(/^urlToStarter-/);
    expect((await postJson(started.url, { decision: 'approve' })).status).toBe(202);
    expect(await started.handle.result()).toMatchObject({ status: 'received', data: { decision: 'approve' } });
  });

  test('label picks the URL; count waits for the first N; every minted URL is listed by label', async () => {
    const args: Parameters<typeof urlToStarter> = [{ labels: ['approval', 'escalation'] }];
    const byLabel = await startWithCallbackUrl<typeof urlToStarter>(h.client, 'urlToStarter', { taskQueue: h.taskQueue, args, label: 'escalation' });
    expect(byLabel.label).toBe('escalation');
    expect(byLabel.url).toBe(byLabel.callbacks.escalation!.url);
    expect(Object.keys(byLabel.callbacks).sort()).toEqual(['approval', 'escalation']);

    const firstTwo = await startWithCallbackUrl<typeof urlToStarter>(h.client, 'urlToStarter', { taskQueue: h.taskQueue, args, count: 2 });
    expect(firstTwo.label).toBe('approval');
    expect(firstTwo.callbacks.approval!.url).toBe(firstTwo.url);
    expect(firstTwo.callbacks.escalation!.url).not.toBe(firstTwo.url);

    expect((await postJson(byLabel.callbacks.approval!.url, { ok: 1 })).status).toBe(202);
    expect((await postJson(firstTwo.url, { ok: 2 })).status).toBe(202);
    expect(await byLabel.handle.result()).toMatchObject({ status: 'received', data: { ok: 1 } });
    expect(await firstTwo.handle.result()).toMatchObject({ status: 'received', data: { ok: 2 } });
  });

  test('USE_EXISTING asks a running workflow again and gets the same URL', async () => {
    const workflowId = `url-to-starter-${randomUUID()}`;
    const options = { taskQueue: h.taskQueue, workflowId, args: [{}] as Parameters<typeof urlToStarter> };
    const first = await startWithCallbackUrl<typeof urlToStarter>(h.client, 'urlToStarter', options);
    await expect(startWithCallbackUrl<typeof urlToStarter>(h.client, 'urlToStarter', options)).rejects.toMatchObject({ name: 'WorkflowExecutionAlreadyStartedError' });
    const again = await startWithCallbackUrl<typeof urlToStarter>(h.client, 'urlToStarter', { ...options, workflowIdConflictPolicy: 'USE_EXISTING' });
    expect(again.url).toBe(first.url);
    expect((await again.handle.describe()).runId).toBe((await first.handle.describe()).runId);
    expect((await postJson(first.url, {})).status).toBe(202);
    expect(await first.handle.result()).toMatchObject({ status: 'received' });
  });

  test('the ready-made awaitCallback answers it too, and startAwaitCallback still gets its URL', async () => {
    const generic = await startWithCallbackUrl<typeof awaitCallback>(h.client, 'awaitCallback', { taskQueue: h.taskQueue, args: [{ timeout: '5m' }] });
    const classic = await startAwaitCallback(h.client, { taskQueue: h.taskQueue, input: { timeout: '5m' } });
    for (const started of [generic, classic]) {
      expect((await postJson(started.url, { via: 'test' })).status).toBe(202);
      expect(await started.handle.result()).toMatchObject({ status: 'received', data: { via: 'test' } });
    }
  });
});

describe('startWithCallbackUrl: when no URL comes', () => {
  test('a workflow that never mints: CALLBACK_URL_NOT_MINTED after urlTimeout, and the workflow keeps running', async () => {
    const workflowId = `url-to-starter-${randomUUID()}`;
    const started = Date.now();
    const error = await startWithCallbackUrl<typeof urlToStarter>(h.client, 'urlToStarter', {
      taskQueue: h.taskQueue,
      workflowId,
      args: [{ withoutMinting: 'hold' }],
      urlTimeout: '2s',
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CallbackUrlNotMintedError);
    expect(error).toMatchObject({ code: 'CALLBACK_URL_NOT_MINTED', workflowId, message: expect.stringContaining('within 2000 ms') });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    const handle = h.client.workflow.getHandle(workflowId);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.signal(urlToStarterReleaseSignal);
    expect(await handle.result()).toBe('released');
  });

  test('a workflow that completes without minting: CALLBACK_URL_NOT_MINTED at once', async () => {
    const error = await startWithCallbackUrl<typeof urlToStarter>(h.client, 'urlToStarter', { taskQueue: h.taskQueue, args: [{ withoutMinting: 'return' }] }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'CALLBACK_URL_NOT_MINTED', message: expect.stringContaining('COMPLETED') });
  });

  test('a workflow that fails before minting: its own failure', async () => {
    const error = await startWithCallbackUrl<typeof urlToStarter>(h.client, 'urlToStarter', { taskQueue: h.taskQueue, args: [{ withoutMinting: 'fail' }] }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'NOTHING_TO_APPROVE' });
  });

  test('a workflow that does not call publishCallbackUrls(): the update is refused', async () => {
    const workflowId = `url-to-starter-${randomUUID()}`;
    const error = await startWithCallbackUrl(h.client, 'waitAfterRelease', { taskQueue: h.taskQueue, workflowId, urlTimeout: '2s' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    await h.client.workflow.getHandle(workflowId).terminate();
  });

  test('no worker on the task queue: CALLBACK_URL_NOT_MINTED from the client once urlTimeout and its grace pass', async () => {
    const workflowId = `url-to-starter-${randomUUID()}`;
    const error = await startWithCallbackUrl<typeof urlToStarter>(h.client, 'urlToStarter', {
      taskQueue: `nobody-${randomUUID()}`,
      workflowId,
      args: [{}],
      urlTimeout: '1s',
    }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'CALLBACK_URL_NOT_MINTED', workflowId, message: expect.stringContaining('is a worker running') });
    await h.client.workflow.getHandle(workflowId).terminate();
  }, 40_000);
});
