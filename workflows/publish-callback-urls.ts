import { HandlerUnfinishedPolicy } from '@temporalio/common';
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { callbackRegistry, type CallbackEntry } from './callback-registry';
import { linkExpiryOf } from './callback-link';
import { CALLBACK_URL_NOT_MINTED, callbackUrlsUpdate } from '../protocol/definitions';
import type { CallbackUrlsRequest, MintedCallbackUrl, PublishedCallbackUrls } from '../protocol/callback-messages';

function mintedUrlOf(entry: CallbackEntry): MintedCallbackUrl {
  return {
    url: entry.url,
    callbackId: entry.id,
    expiresAt: new Date(linkExpiryOf(entry)).toISOString(),
    ...(entry.label === undefined ? {} : { label: entry.label }),
  };
}

/** The URLs minted so far (in the order their minting began), or the answer once `request` is met. */
function answerTo(request: CallbackUrlsRequest): PublishedCallbackUrls | undefined {
  const minted = [...callbackRegistry().entries.values()].filter((entry) => entry.url !== '');
  if (minted.length === 0 || minted.length < (request.count ?? 1)) return undefined;
  const asked = request.label === undefined ? minted[0] : minted.find((entry) => entry.label === request.label);
  if (!asked) return undefined;
  const callbacks: Record<string, MintedCallbackUrl> = {};
  for (const entry of minted) {
    const key = entry.label !== undefined && !(entry.label in callbacks) ? entry.label : entry.id;
    callbacks[key] = mintedUrlOf(entry);
  }
  return { ...mintedUrlOf(asked), callbacks };
}

function notMinted(request: CallbackUrlsRequest): ApplicationFailure {
  const what = request.label === undefined ? `${request.count ?? 1} callback URL(s)` : `a callback URL labelled ${JSON.stringify(request.label)}`;
  return ApplicationFailure.create({
    type: CALLBACK_URL_NOT_MINTED,
    message: `The workflow did not mint ${what} within ${request.timeoutMs} ms.`,
    nonRetryable: true,
  });
}

/**
 * Lets whoever starts this workflow get its callback URLs in the same round trip: installs the
 * handler of the `durableCallbacks.callbackUrls` update, which waits until the workflow has
 * minted the URL asked for (the first, a labelled one, or the first N) and answers with it and
 * every other URL minted so far. Call it at the top of the workflow; the client starts the
 * workflow with `startWithCallbackUrl` from `durable-callbacks/client`. It records nothing in
 * history until a client asks (an update, and a timer when the client gives a timeout).
 *
 * @example
 * ```ts
 * export async function refundApproval(input: RefundInput): Promise<RefundResult> {
 *   publishCallbackUrls();
 *   const approval = await createCallback({ timeout: '1h', label: 'approval' });
 *   const result = await approval.wait();
 *   …
 * }
 * ```
 */
export function publishCallbackUrls(): void {
  setHandler(
    callbackUrlsUpdate,
    async (request = {}) => {
      const ready = () => answerTo(request) !== undefined;
      // Asked after minting: answer without starting a timer.
      if (ready()) return answerTo(request)!;
      if (request.timeoutMs === undefined) await condition(ready);
      else if (!(await condition(ready, request.timeoutMs))) throw notMinted(request);
      return answerTo(request)!;
    },
    {
      // A client that gave up (or a workflow that ends before minting) leaves nothing to warn about.
      unfinishedPolicy: HandlerUnfinishedPolicy.ABANDON,
      validator: (request = {}) => {
        const { count, timeoutMs } = request;
        if (count !== undefined && (!Number.isInteger(count) || count < 1)) throw new TypeError(`count must be a whole number of at least 1; got ${JSON.stringify(count)}.`);
        if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new TypeError(`timeoutMs must be a positive number; got ${JSON.stringify(timeoutMs)}.`);
      },
    },
  );
}
