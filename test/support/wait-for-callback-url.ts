import type { WorkflowHandle } from '@temporalio/client';
import { callbackUrlQuery } from '../../protocol/definitions';

/** Options for {@link waitForCallbackUrl}. */
export interface WaitForCallbackUrlOptions {
  /** Give up after this long. Default 30 s. */
  timeoutMs?: number;
  /** How often to ask. Default 100 ms. */
  pollMs?: number;
}

/**
 * Test and drill helper (users call `startAwaitCallback`): reads the callback URL of a running `awaitCallback` workflow (or any workflow answering the
 * `callbackUrl` query), waiting until it has been minted. For clients that start a workflow and
 * need its URL to hand to an external system.
 * @throws Error when no URL is available within the timeout.
 */
export async function waitForCallbackUrl(handle: WorkflowHandle, options: WaitForCallbackUrlOptions = {}): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const url = await handle.query(callbackUrlQuery);
    if (url) return url;
    if (Date.now() >= deadline) throw new Error(`Workflow ${handle.workflowId} did not mint a callback URL in time; is a worker running on its task queue?`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
  }
}
