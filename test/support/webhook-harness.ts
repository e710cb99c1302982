import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { loadWebhookSources } from '../../callback-gateway/webhooks/webhook-sources';
import type { CallbackWaitResult } from '../../workflows';
import { deliverCallbackSignal } from '../../protocol/definitions';
import { subscribedQuery, type WebhookWaitInput } from '../workflows';
import { pollUntil } from './async';
import { startHarness, type Harness, type HarnessOptions } from './harness';

/**
 * A harness whose gateway serves provider webhooks from `sources` (a sources file's JSON, written
 * to a temporary file and loaded the way the gateway loads `WEBHOOK_SOURCES_FILE`, with `env` for
 * the sources' `secretEnv`); its `close` also removes that file.
 */
export async function startWebhookHarness(sources: Record<string, unknown>, options: HarnessOptions & { env?: Record<string, string> } = {}): Promise<Harness> {
  const { env = {}, ...harnessOptions } = options;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-webhook-sources-'));
  const file = path.join(dir, 'sources.json');
  await fs.writeFile(file, JSON.stringify(sources));
  const h = await startHarness({ ...harnessOptions, webhookSources: loadWebhookSources(file, env) });
  return {
    ...h,
    async close() {
      await h.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a `webhookWait` workflow (one-minute timeout unless given) and resolves once its mailbox has the subscription. */
export async function startWebhookWaiter(h: Harness, input: WebhookWaitInput): Promise<WorkflowHandle> {
  const handle = await h.start('webhookWait', [{ timeout: '1m', ...input }]);
  await pollUntil('the subscription', async () => (await handle.query(subscribedQuery).catch(() => false)) === true, 20_000, 100);
  return handle;
}

/** The names of the signals the latest run of `workflowId` received, in order. */
export async function signalNames(h: Harness, workflowId: string): Promise<string[]> {
  const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((event) => event.workflowExecutionSignaledEventAttributes?.signalName ?? []);
}

/** How many `durableCallbacks.deliver` signals reached `handle` (its chain's latest run). */
export async function deliverSignals(h: Harness, handle: WorkflowHandle): Promise<number> {
  return (await signalNames(h, handle.workflowId)).filter((name) => name === deliverCallbackSignal.name).length;
}

/** The workflow's result, which must be a received wait. */
export async function received(handle: WorkflowHandle): Promise<Extract<CallbackWaitResult, { status: 'received' }>> {
  const result = (await handle.result()) as CallbackWaitResult;
  if (result.status !== 'received') throw new Error(`expected received, got ${result.status}`);
  return result;
}
