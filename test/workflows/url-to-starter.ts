/**
 * A user-style workflow for the url-to-starter tests: publishes its callback URLs to whoever
 * starts it, mints (or, to test the failures, does not), then waits. Sandbox code.
 */
import { ApplicationFailure, condition, defineSignal, setHandler, sleep } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { createCallback, publishCallbackUrls, type Callback, type CallbackWaitResult } from '../../workflows';

/** Lets {@link urlToStarter} end when it minted nothing and holds. */
export const urlToStarterReleaseSignal = defineSignal('urlToStarterRelease');

/** Input of {@link urlToStarter}. */
export interface UrlToStarterInput {
  /** The labels of the callbacks to mint, in order (one unlabelled callback by default). */
  labels?: string[];
  /** Sleep this long before minting (the client's update waits meanwhile). */
  sleepBeforeMint?: Duration;
  /** Mint nothing, then `hold` until `urlToStarterRelease`, `return`, or `fail`. */
  withoutMinting?: 'hold' | 'return' | 'fail';
}

/** Publishes its URLs, mints one callback per label, and returns what the first one's wait yielded. */
export async function urlToStarter(input: UrlToStarterInput = {}): Promise<CallbackWaitResult | string> {
  publishCallbackUrls();
  if (input.sleepBeforeMint !== undefined) await sleep(input.sleepBeforeMint);
  switch (input.withoutMinting) {
    case 'fail':
      throw ApplicationFailure.create({ type: 'NOTHING_TO_APPROVE', message: 'There was nothing to approve.', nonRetryable: true });
    case 'return':
      return 'nothing to approve';
    case 'hold': {
      let released = false;
      setHandler(urlToStarterReleaseSignal, () => void (released = true));
      await condition(() => released);
      return 'released';
    }
  }
  const callbacks: Callback[] = [];
  for (const label of input.labels ?? [undefined]) callbacks.push(await createCallback({ expiresIn: '10m', ...(label === undefined ? {} : { label }) }));
  return callbacks[0]!.wait({ timeout: '2m' });
}
