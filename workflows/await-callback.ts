import { setHandler } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { createCallback } from './create-callback';
import { callbackUrlQuery } from './protocol';
import { markWaitingForCallbacks } from './waiting-attribute';
import type { CallbackWaitResult, CreateCallbackOptions } from './types';

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
 * workflow: it mints a URL (expiring shortly after `timeout`), answers the `callbackUrl` query
 * with it, waits, and returns what the wait yielded.
 */
export async function awaitCallback(input: AwaitCallbackInput = {}): Promise<CallbackWaitResult> {
  let url: string | null = null;
  setHandler(callbackUrlQuery, () => url);
  const { heartbeatTimeout, markWaiting, ...options } = input;
  if (markWaiting) markWaitingForCallbacks();
  const callback = await createCallback(options);
  url = callback.url;
  return callback.wait(heartbeatTimeout === undefined ? {} : { heartbeatTimeout });
}
