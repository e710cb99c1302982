import { condition, continueAsNew, defineSignal, setHandler } from '@temporalio/workflow';
import { callbackSnapshot, createCallback, restoreCallbacks, type CallbackSnapshot, type CallbackWaitResult, type CreateCallbackOptions } from '../../workflows';
import { callbackUrlQuery } from '../../protocol/definitions';

/** What {@link notifiedCallback} takes: `createCallback`'s options as data (no schema, no reply function). */
export type NotifiedCallbackInput = Omit<CreateCallbackOptions, 'schema' | 'reply'>;

/** Creates one callback that tells people about itself (notify, remind, escalate…); its URL via `callbackUrl`; returns its wait result. */
export async function notifiedCallback(input: NotifiedCallbackInput): Promise<CallbackWaitResult> {
  let url: string | null = null;
  setHandler(callbackUrlQuery, () => url);
  const callback = await createCallback(input);
  url = callback.url;
  return callback.wait();
}

/** Makes a {@link rollingNotifiedCallback} continue as new, carrying its callback. */
export const rollCallbackSignal = defineSignal('rollCallback');

/** Input of {@link rollingNotifiedCallback}: the callback's options, and the snapshot a previous run carried. */
export interface RollingNotifiedCallbackInput {
  options: NotifiedCallbackInput;
  snapshot?: CallbackSnapshot;
}

/** A notified callback that continues as new on `rollCallback` (once) and waits in the next run, which goes on with its plan. */
export async function rollingNotifiedCallback(input: RollingNotifiedCallbackInput): Promise<CallbackWaitResult & { run: number }> {
  let url: string | null = null;
  setHandler(callbackUrlQuery, () => url);
  if (input.snapshot) {
    const [restored] = restoreCallbacks(input.snapshot);
    if (!restored || !('url' in restored)) throw new Error('the snapshot holds no callback URL');
    url = restored.url;
    return { ...(await restored.wait()), run: 2 };
  }
  let roll = false;
  setHandler(rollCallbackSignal, () => void (roll = true));
  const callback = await createCallback(input.options);
  url = callback.url;
  await condition(() => roll || callback.status !== 'pending');
  if (roll) await continueAsNew<typeof rollingNotifiedCallback>({ options: input.options, snapshot: callbackSnapshot() });
  return { ...(await callback.wait()), run: 1 };
}
