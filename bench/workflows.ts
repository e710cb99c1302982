/**
 * Workflows used only by the benchmarks, bundled with the product's own. Sandbox code: it imports
 * only `@temporalio/workflow` and the workflow helpers.
 */
import { proxyLocalActivities } from '@temporalio/workflow';
import { createCallback, type CallbackWaitResult } from '../workflows';

export { awaitCallback } from '../workflows';

/** How a bench workflow mints its URL: the `mintWith` option of `createCallback`. */
export type MintWith = 'activity' | 'localActivity';

/** What a waiting bench workflow reports once its URL exists. */
export interface BenchReadyInfo {
  /** The key the driver chose for this workflow (its workflow id). */
  key: string;
  url: string;
  callbackId: string;
}

/**
 * Probes registered on the bench worker as local activities: they run in the worker's process, so
 * the driver learns within microseconds that a workflow reached a step.
 */
export interface BenchProbeActivities {
  /** The workflow minted its URL and is about to wait. */
  benchReady(info: BenchReadyInfo): Promise<void>;
  /** The wait ended: the workflow is running its next step. */
  benchResumed(input: { key: string; status: CallbackWaitResult['status'] }): Promise<void>;
}

const probes = proxyLocalActivities<BenchProbeActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '50ms', maximumAttempts: 5 },
});

/** Input of {@link benchResume}. */
export interface BenchResumeInput {
  key: string;
  mintWith?: MintWith;
}

/**
 * Mints a callback, reports its URL, waits for one delivery, then runs its next step: the
 * `benchResumed` probe. The resume benchmarks time "send" to that probe.
 */
export async function benchResume(input: BenchResumeInput): Promise<CallbackWaitResult['status']> {
  const callback = await createCallback({ expiresIn: '2h', ...(input.mintWith ? { mintWith: input.mintWith } : {}) });
  await probes.benchReady({ key: input.key, url: callback.url, callbackId: callback.id });
  const result = await callback.wait();
  await probes.benchResumed({ key: input.key, status: result.status });
  return result.status;
}

/** Input of {@link benchMint}. */
export interface BenchMintInput {
  /** How many callbacks to mint, one after the other. */
  count: number;
  mintWith: MintWith;
}

/** Mints `count` callbacks in sequence and returns: the minting benchmark's workflow. */
export async function benchMint(input: BenchMintInput): Promise<number> {
  for (let i = 0; i < input.count; i++) {
    await createCallback({ expiresIn: '1h', mintWith: input.mintWith });
  }
  return input.count;
}
