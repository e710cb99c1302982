import { condition, setHandler } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { createCallback } from './create-callback';
import { awaitCallbackUrlUpdate, callbackUrlQuery } from '../protocol/definitions';
import { markWaitingForCallbacks } from './waiting-attribute';
import { publishCallbackUrls } from './publish-callback-urls';
import type { AwaitCallbackUrl, CallbackWaitResult } from '../protocol/callback-messages';
import type { CreateCallbackOptions } from './types';

/** Arguments of the {@link awaitCallback} workflow. */
export interface AwaitCallbackInput
  extends Pick<
    CreateCallbackOptions,
    'timeout' | 'expiresIn' | 'includeApiKey' | 'requireApiKey' | 'allowGet' | 'mode' | 'mintWith' | 'requireSignature' | 'title' | 'description' | 'form'
  > {
  /** End with `heartbeat_timed_out` when this long passes without a heartbeat. */
  heartbeatTimeout?: Duration;
  /** Mark the workflow with the `DurableCallbacksWaiting` search attribute while it waits (it must be registered). */
  markWaiting?: boolean;
}

/**
 * A ready-made workflow for any Temporal client that wants a callback URL without writing a
 * workflow: it mints a URL (expiring shortly after `timeout`), hands it to the client that
 * started it (the `startAwaitCallback` client helper gets it in the same round trip, through
 * update-with-start), waits, and returns what the wait yielded. Export it from your workflows
 * file to run it on your own worker; `durable-callbacks worker` runs it as well.
 */
export async function awaitCallback(input: AwaitCallbackInput = {}): Promise<CallbackWaitResult> {
  let minted: AwaitCallbackUrl | undefined;
  setHandler(callbackUrlQuery, () => minted?.url ?? null);
  setHandler(awaitCallbackUrlUpdate, async () => {
    await condition(() => minted !== undefined);
    return minted!;
  });
  // startWithCallbackUrl works on it too; startAwaitCallback keeps its own update, which older workers answer.
  publishCallbackUrls();
  const { heartbeatTimeout, markWaiting, ...options } = input;
  if (markWaiting) markWaitingForCallbacks();
  const callback = await createCallback(options);
  minted = { url: callback.url, callbackId: callback.id, expiresAt: callback.linkExpiresAt.toISOString() };
  return callback.wait(heartbeatTimeout === undefined ? {} : { heartbeatTimeout });
}
