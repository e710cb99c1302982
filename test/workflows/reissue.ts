import { ApplicationFailure, condition, continueAsNew, defineSignal, setHandler } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import {
  callbackSnapshot,
  createCallback,
  requestApproval,
  restoreCallbacks,
  type ApprovalResult,
  type Callback,
  type CallbackSnapshot,
  type CreateCallbackOptions,
  type RequestApprovalOptions,
} from '../../workflows';
import { callbackUrlQuery } from '../../protocol/definitions';

/** Reissues the workflow's callback (or approval) from workflow code, with an optional `linkExpiresIn`. */
export const reissueSignal = defineSignal<[linkExpiresIn?: Duration]>('reissue');

/** Makes a {@link reissuingCallback} continue as new, carrying its callback. */
export const rollReissuingSignal = defineSignal('rollReissuing');

/** Input of {@link reissuingCallback}. */
export interface ReissuingCallbackInput {
  /** The callback's options (a stream, so deliveries accumulate). */
  options: CreateCallbackOptions;
  /** Complete once this many deliveries arrived. */
  deliveries: number;
  snapshot?: CallbackSnapshot;
}

/** What {@link reissuingCallback} ends with: the deliveries' ids, the run, and how a reissue after the wait ended failed. */
export interface ReissuingCallbackResult {
  deliveryIds: string[];
  run: number;
  reissueAfterEnd?: string;
}

/** A stream callback whose URL the test reissues (`reissue`), carried across continue-as-new on `rollReissuing`. */
export async function reissuingCallback(input: ReissuingCallbackInput): Promise<ReissuingCallbackResult> {
  let callback: Callback | undefined;
  // Answered (null) before the URL is minted, so a test that asks early waits instead of failing.
  setHandler(callbackUrlQuery, () => callback?.url ?? null);
  if (input.snapshot) {
    const [restored] = restoreCallbacks(input.snapshot);
    callback = restored as Callback;
  } else {
    callback = await createCallback({ ...input.options, mode: 'stream' });
  }
  const minted = callback;
  let roll = false;
  setHandler(reissueSignal, async (linkExpiresIn) => void (await minted.reissue(linkExpiresIn === undefined ? {} : { linkExpiresIn })));
  setHandler(rollReissuingSignal, () => void (roll = true));
  if (!input.snapshot) {
    await condition(() => roll || minted.deliveries.length >= input.deliveries);
    if (roll) await continueAsNew<typeof reissuingCallback>({ ...input, snapshot: callbackSnapshot() });
  }
  const result = await minted.wait({ until: (deliveries) => deliveries.length >= input.deliveries });
  let reissueAfterEnd: string | undefined;
  try {
    await minted.reissue();
  } catch (err) {
    reissueAfterEnd = err instanceof ApplicationFailure ? (err.type ?? undefined) : String(err);
  }
  return {
    deliveryIds: result.status === 'received' ? result.deliveries.map((delivery) => delivery.deliveryId) : [],
    run: input.snapshot ? 2 : 1,
    ...(reissueAfterEnd === undefined ? {} : { reissueAfterEnd }),
  };
}

/** An approval whose URL the test reissues (`reissue`); returns its decision. */
export async function reissuingApproval(options: RequestApprovalOptions): Promise<ApprovalResult> {
  let url: string | null = null;
  setHandler(callbackUrlQuery, () => url);
  const approval = await requestApproval(options);
  url = approval.url;
  setHandler(reissueSignal, async (linkExpiresIn) => void (url = await approval.reissue(linkExpiresIn === undefined ? {} : { linkExpiresIn })));
  return approval.decision();
}
