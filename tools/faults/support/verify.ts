import { isDeepStrictEqual } from 'node:util';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { seconds } from '../../../test/support/async';
import { createLimiter, mapLimit } from '../../../test/support/pool';
import { callbacksQuery } from '../../../protocol/definitions';
import type { CallbackInfo, CallbackWaitResult } from '../../../protocol/callback-messages';

/**
 * The verdict on a scenario: every workflow's result and `callbacks` query, against what the
 * senders were told.
 */

/** A waiting workflow as the verdict sees it: a {@link import('./workflows').WaitingCallback}, or a webhook waiter. */
export interface VerifiedWait {
  index: number;
  handle: Pick<WorkflowHandle, 'query' | 'describe'> & { result(): Promise<CallbackWaitResult> };
  /** The `data` it must complete with. */
  payload: unknown;
  /** The delivery id it must complete with (`Idempotency-Key`, or a provider's delivery id). */
  idempotencyKey: string;
}

/** How one logical delivery ended, as the verdict sees it (a {@link import('./sender').Delivery}). */
export interface DeliveryOutcome {
  callback: { index: number };
  /** Some request got a 2xx. */
  accepted: boolean;
  /** Why the sender stopped without a 2xx. */
  gaveUp?: string;
}

/** What a scenario did, in the numbers of its final line. */
export interface ScenarioCounts {
  /** Logical callbacks sent (retries and duplicates of one count once). */
  sent: number;
  /** Logical callbacks for which some request got a 2xx. */
  accepted: number;
  /** Workflows that completed with `received` and exactly their own data. */
  resumed: number;
  /** Accepted but not resumed with their data. Must be 0. */
  lost: number;
  /** Workflows whose callback took more than one delivery, or refused one as `already_completed`. Must be 0. */
  appliedTwice: number;
}

/** The final line of a scenario, e.g. `worker-down: sent 1000, accepted 1000, resumed 1000, lost 0, applied twice 0`. */
export function formatCounts(name: string, counts: ScenarioCounts): string {
  return `${name}: sent ${counts.sent}, accepted ${counts.accepted}, resumed ${counts.resumed}, lost ${counts.lost}, applied twice ${counts.appliedTwice}`;
}

/** What {@link verifyCallbacks} needs. */
export interface VerifyOptions {
  client: Client;
  /** Bound on waiting for every workflow to complete. */
  completionTimeoutMs: number;
  /** Queries in flight at once. */
  queryConcurrency: number;
  /**
   * Query only once every workflow completed. By default each is queried as soon as it
   * completed; a worker with few workflow-task slots is better left to finish first.
   */
  queryAfterAll: boolean;
  /** Reports progress and findings. */
  say: (message: string) => void;
  /** Records a broken expectation (the scenario fails). */
  problem: (message: string) => void;
}

/** Why a workflow does not count as resumed. */
type Miss = { kind: 'not completed'; detail: string } | { kind: 'wrong result'; detail: string };

const RESULT_CONCURRENCY = 50;
/** Bound on one query; a query on a closed workflow replays its history on a worker. */
const QUERY_TIMEOUT_MS = 15_000;
/** Tries per query: on a loaded machine a query can time out before a worker took it, without anything being wrong. */
const QUERY_ATTEMPTS = 4;
const EXAMPLES_SHOWN = 5;

/** The message of `err` and of its causes, on one line. */
export function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let current = err, depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    parts.push(current instanceof Error ? current.message.split('\n')[0]! : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}

function missOf(callback: VerifiedWait, result: CallbackWaitResult): Miss | undefined {
  if (result.status !== 'received') return { kind: 'wrong result', detail: `status ${result.status}` };
  if (!isDeepStrictEqual(result.data, callback.payload)) {
    return { kind: 'wrong result', detail: `data ${JSON.stringify(result.data)}, expected ${JSON.stringify(callback.payload)}` };
  }
  if (result.deliveryId !== callback.idempotencyKey) return { kind: 'wrong result', detail: `delivery id ${result.deliveryId}, expected ${callback.idempotencyKey}` };
  return undefined;
}

/** A workflow applied a callback more than once: more than one delivery taken, or one refused as `already_completed`. */
export function appliedMoreThanOnce(infos: readonly CallbackInfo[], result?: CallbackWaitResult): boolean {
  if (result?.status === 'received' && result.deliveries.length > 1) return true;
  return infos.some((info) => info.deliveries > 1 || info.rejected.some((rejected) => rejected.reason === 'CALLBACK_ALREADY_COMPLETED'));
}

/**
 * Waits for every workflow to complete and checks each result holds exactly its own data; queries
 * `callbacks` on each as soon as it completed, or once all did (closed workflows answer while a
 * worker runs on their task queue), for deliveries applied twice.
 */
export async function verifyCallbacks(callbacks: readonly VerifiedWait[], deliveries: readonly DeliveryOutcome[], options: VerifyOptions): Promise<ScenarioCounts> {
  const { client, say, problem } = options;
  const accepted = new Set(deliveries.filter((delivery) => delivery.accepted).map((delivery) => delivery.callback.index));
  const sent = new Set(deliveries.map((delivery) => delivery.callback.index));

  say(`waiting for ${callbacks.length} workflows to complete (up to ${seconds(options.completionTimeoutMs)})${options.queryAfterAll ? '' : ', querying each once it has'}`);
  const started = Date.now();
  const deadline = started + options.completionTimeoutMs;
  const queryLimit = createLimiter(options.queryConcurrency);
  let completed = 0;
  let queried = 0;
  let retried = 0;
  const unanswered: string[] = [];
  const twice: number[] = [];
  const ticker = setInterval(() => say(`  ${completed}/${callbacks.length} workflows completed, ${queried} queried`), 10_000);
  const queryOne = (callback: VerifiedWait, result: CallbackWaitResult | Error) =>
    queryLimit(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          const infos = await client.connection.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => callback.handle.query(callbacksQuery));
          if (appliedMoreThanOnce(infos, result instanceof Error ? undefined : result)) twice.push(callback.index);
          break;
        } catch (err) {
          if (attempt >= QUERY_ATTEMPTS) {
            unanswered.push(`#${callback.index}: ${errorText(err)}`);
            break;
          }
          retried++;
        }
      }
      queried++;
    });
  const readResult = async (callback: VerifiedWait): Promise<CallbackWaitResult | Error> => {
    try {
      const result = await client.connection.withDeadline(deadline, () => callback.handle.result());
      completed++;
      return result;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  };
  const results = await mapLimit(callbacks, RESULT_CONCURRENCY, async (callback) => {
    const result = await readResult(callback);
    if (!options.queryAfterAll) await queryOne(callback, result);
    return result;
  }).finally(() => clearInterval(ticker));
  if (options.queryAfterAll) {
    say(`${completed} results read in ${seconds(Date.now() - started)}; querying each workflow, ${options.queryConcurrency} at a time`);
    await mapLimit(callbacks, options.queryConcurrency, (callback, index) => queryOne(callback, results[index]!));
  }
  say(`${completed} results read and ${queried - unanswered.length} queries answered in ${seconds(Date.now() - started)}${retried ? ` (${retried} queries tried again)` : ''}`);
  if (unanswered.length > 0) problem(`${unanswered.length} workflows did not answer the callbacks query (${unanswered.slice(0, EXAMPLES_SHOWN).join('; ')})`);

  const misses = new Map<number, Miss>();
  results.forEach((result, index) => {
    const callback = callbacks[index]!;
    const miss = result instanceof Error ? { kind: 'not completed' as const, detail: errorText(result) } : missOf(callback, result);
    if (miss) misses.set(callback.index, miss);
  });
  const resumed = callbacks.length - misses.size;

  const neverAccepted = [...sent].filter((index) => !accepted.has(index));
  const appliedUnseen = neverAccepted.filter((index) => !misses.has(index));
  const undelivered = neverAccepted.filter((index) => misses.has(index));
  if (appliedUnseen.length > 0) {
    say(
      `note: ${appliedUnseen.length} callbacks resumed their workflow although their sender saw no 2xx: an attempt reached Temporal but its answer was lost, ` +
        `and the retry found the workflow finished (${[...new Set(deliveries.filter((delivery) => appliedUnseen.includes(delivery.callback.index)).map((delivery) => delivery.gaveUp))].join('; ')})`,
    );
  }
  if (undelivered.length > 0) {
    const examples = deliveries.filter((delivery) => undelivered.includes(delivery.callback.index)).slice(0, EXAMPLES_SHOWN);
    problem(`${undelivered.length} callbacks were never delivered (${examples.map((delivery) => `#${delivery.callback.index}: ${delivery.gaveUp ?? 'no 2xx'}`).join('; ')})`);
  }
  const lost = [...accepted].filter((index) => misses.has(index));
  for (const index of [...misses.keys()].slice(0, EXAMPLES_SHOWN)) {
    const miss = misses.get(index)!;
    say(`  callback #${index} ${accepted.has(index) ? 'accepted but ' : ''}${miss.kind}: ${miss.detail}`);
  }
  if (twice.length > 0) say(`  applied twice: ${twice.slice(0, EXAMPLES_SHOWN).map((index) => `#${index}`).join(', ')}`);
  return { sent: sent.size, accepted: accepted.size, resumed, lost: lost.length, appliedTwice: twice.length };
}
