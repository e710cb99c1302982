import { sleep } from '../../../test/support/async';
import { mapLimit } from '../../../test/support/pool';
import { describeExit, signalGroup } from '../../../test/support/processes';
import { defineScenario } from '../support/scenario';
import { describeAttempts, describeDeliveries, sendLoad, toGateway, type Attempt, type Delivery } from '../support/sender';
import type { WaitingCallback } from '../support/workflows';

/** Callbacks in the batch sent at gateway-a. */
const CALLBACKS = 400;
/** Requests in flight at once: the kill catches about this many. */
const CONCURRENCY = 100;
/** Gateway-a is frozen, then SIGKILLed, once this many first requests were answered. */
const KILL_AFTER_ANSWERED = 150;
/**
 * How long gateway-a stays frozen (SIGSTOP) before the SIGKILL: Temporal goes on recording the
 * requests already on the wire to it while no answer leaves. Without the freeze the window between
 * Temporal's acknowledgement and the answer is a few milliseconds, and a kill lands in it for only
 * a request or two (more for synchronous requests, which wait for the worker).
 */
const FREEZE_MS = 2_000;
/** The kill must catch at least this many requests in flight, or the drill did not happen. */
const MIN_IN_FLIGHT = 50;
/** Every this-many-th callback's sender asks for a synchronous answer. */
const SYNC_EVERY = 10;
/** The synchronous senders' `Prefer: wait=N`. */
const WAIT_SECONDS = 10;
/** The unanswered callbacks' workflows are looked at this often until their states stop changing. */
const SETTLE_POLL_MS = 1_000;
/** Polls in a row that must agree before the retries start. */
const SETTLE_STABLE_POLLS = 3;
const SETTLE_TIMEOUT_MS = 60_000;

function isSync(callback: WaitingCallback): boolean {
  return callback.index % SYNC_EVERY === 0;
}

/** The states (by callback index) of `callbacks`' workflows once they stopped changing: a delivery Temporal recorded has closed its (one-shot) workflow by then. */
async function settledStates(callbacks: readonly WaitingCallback[]): Promise<Map<number, string>> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let last = '';
  let stable = 0;
  for (;;) {
    const states = await mapLimit(callbacks, 16, async (callback) => [callback.index, (await callback.handle.describe()).status.name] as const);
    const key = states.map(([, state]) => state).join();
    stable = key === last ? stable + 1 : 1;
    last = key;
    if (stable >= SETTLE_STABLE_POLLS || Date.now() >= deadline) return new Map(states);
    await sleep(SETTLE_POLL_MS);
  }
}

/** The last answer a retry got. */
function finalAnswer(delivery: Delivery): Attempt | undefined {
  return delivery.attempts.at(-1);
}

/**
 * Issue #10's drill: a gateway SIGKILLed after Temporal recorded deliveries but before it
 * answered them. Each of 400 callbacks is sent once at gateway-a, 100 at a time (one in ten
 * asking for a synchronous answer); once 150 were answered, gateway-a is frozen (SIGSTOP, like a
 * stalled host) for 2 s, while Temporal records what was already on the wire, and SIGKILLed.
 * Every sender left without an answer retries the same request (same `Idempotency-Key`) at
 * gateway-b. Where the lost request had been recorded, the one-shot workflow has closed and
 * Temporal refuses the retry: gateway-b must find the delivery in the history and answer it as a
 * duplicate (`202`, or the synchronous `200`, marked `duplicate`), never `410`. Where it had not,
 * the retry is simply accepted. Every callback must resume its workflow exactly once.
 */
export const lostAnswers = defineScenario({
  name: 'lost-answers',
  summary: 'a gateway frozen and SIGKILLed after Temporal recorded deliveries but before it answered: the retries at another gateway get duplicate receipts, never 410',
  setup: { gateways: ['gateway-a', 'gateway-b'], workers: ['worker'], workflows: CALLBACKS },
  async run(ctx, { gateways: [gatewayA, gatewayB], callbacks }) {
    const syncCount = callbacks.filter(isSync).length;
    let answered = 0;
    let frozenAt: number | undefined;
    let killed: Promise<void> | undefined;
    ctx.step(
      `sending ${callbacks.length} callbacks once each at gateway-a, ${CONCURRENCY} at a time (${syncCount} with Prefer: wait=${WAIT_SECONDS}); ` +
        `once ${KILL_AFTER_ANSWERED} were answered, gateway-a is frozen for ${FREEZE_MS / 1000} s and SIGKILLed`,
    );
    const first = await sendLoad(callbacks, {
      concurrency: CONCURRENCY,
      policyFor: (callback) => toGateway(gatewayA.url, { maxAttempts: 1, ...(isSync(callback) ? { waitSeconds: WAIT_SECONDS } : {}) }),
      onAttempt: (attempt) => {
        if (attempt.status === undefined || ++answered !== KILL_AFTER_ANSWERED) return;
        frozenAt = Date.now();
        signalGroup(gatewayA.pid, 'SIGSTOP');
        ctx.step(`${answered} answered: SIGSTOP to gateway-a (pid ${gatewayA.pid}); SIGKILL in ${FREEZE_MS / 1000} s`);
        killed = sleep(FREEZE_MS)
          .then(() => gatewayA.kill())
          .then((exit) => ctx.step(`gateway-a gone (${describeExit(exit)})`));
      },
    });
    if (killed === undefined || frozenAt === undefined) throw new Error('the batch ended before gateway-a was frozen and killed');
    await killed;
    ctx.step(`first requests: ${describeDeliveries(first)}`);

    const firstAttempts = first.map((delivery) => delivery.attempts[0]!);
    const inFlight = firstAttempts.filter((attempt) => attempt.startedAt <= frozenAt! && attempt.endedAt >= frozenAt!).length;
    const unanswered = first.filter((delivery) => delivery.attempts[0]!.status === undefined);
    const cutOff = unanswered.filter((delivery) => delivery.attempts[0]!.startedAt <= frozenAt!).length;
    ctx.step(
      `sent ${first.length}: answered before the kill ${first.length - unanswered.length}, unanswered ${unanswered.length} ` +
        `(${cutOff} cut off by the freeze and kill, ${unanswered.length - cutOff} sent to the frozen or dead gateway); ${inFlight} requests were in flight at the freeze`,
    );
    ctx.check(inFlight >= MIN_IN_FLIGHT, `the freeze caught at least ${MIN_IN_FLIGHT} requests in flight (${inFlight})`);
    ctx.check(
      first.every((delivery) => delivery.accepted || delivery.attempts[0]!.status === undefined),
      `every first request answered before the kill was accepted (${describeAttempts(firstAttempts.filter((attempt) => attempt.status !== undefined))})`,
    );

    ctx.step(`waiting until the ${unanswered.length} unanswered callbacks' workflows stop changing`);
    const states = await settledStates(unanswered.map((delivery) => delivery.callback));
    const recorded = new Set([...states].filter(([, state]) => state !== 'RUNNING').map(([index]) => index));
    ctx.step(`${recorded.size} of them closed (Temporal recorded the lost request), ${states.size - recorded.size} still wait`);

    ctx.step(`retrying the ${unanswered.length} unanswered requests at gateway-b (same Idempotency-Key, same Prefer)`);
    const retries = await sendLoad(
      unanswered.map((delivery) => delivery.callback),
      { concurrency: 20, policyFor: (callback) => toGateway(gatewayB.url, isSync(callback) ? { waitSeconds: WAIT_SECONDS } : {}) },
    );
    ctx.step(`retries: ${describeDeliveries(retries)}`);

    const answerOf = (delivery: Delivery) => {
      const last = finalAnswer(delivery);
      return `${last?.status ?? 'none'} ${last?.answer ?? last?.code ?? last?.error ?? ''}`.trim();
    };
    const asyncRetries = retries.filter((delivery) => !isSync(delivery.callback));
    const syncRetries = retries.filter((delivery) => isSync(delivery.callback));
    const count = (deliveries: readonly Delivery[], answer: string) => deliveries.filter((delivery) => answerOf(delivery) === answer).length;
    const receipts = count(asyncRetries, '202 duplicate');
    const accepted = count(asyncRetries, '202 accepted');
    const syncReceipts = count(syncRetries, '200 duplicate');
    const syncAccepted = count(syncRetries, '200 accepted');
    const gone = retries.filter((delivery) => delivery.attempts.some((attempt) => attempt.status === 410));
    const other = retries.length - receipts - accepted - syncReceipts - syncAccepted;
    ctx.step(
      `retries of ${asyncRetries.length} asynchronous senders: duplicate receipts ${receipts}, accepted ${accepted}; ` +
        `of ${syncRetries.length} synchronous senders: 200 duplicate ${syncReceipts}, 200 accepted ${syncAccepted}; ` +
        `410 ${gone.length}, other ${other}`,
    );

    ctx.check(gone.length === 0, `no retry was answered 410 (${gone.length}${gone.length ? `: ${gone.slice(0, 5).map((delivery) => `#${delivery.callback.index}`).join(', ')}` : ''})`);
    ctx.check(other === 0, `every retry was answered 202 (asynchronous) or 200 (synchronous), accepted or duplicate (other: ${other})`);
    ctx.check(receipts > 0, `at least one asynchronous retry got a duplicate receipt, 202 duplicate (${receipts})`);
    ctx.check(syncReceipts > 0, `at least one synchronous retry got its reply again, 200 duplicate (${syncReceipts})`);
    const missed = retries.filter((delivery) => recorded.has(delivery.callback.index) && finalAnswer(delivery)?.answer !== 'duplicate');
    ctx.check(
      missed.length === 0,
      `every retry whose lost request Temporal had recorded got a duplicate receipt (${recorded.size - missed.length}/${recorded.size}` +
        `${missed.length ? `; not: ${missed.slice(0, 5).map((delivery) => `#${delivery.callback.index} ${answerOf(delivery)}`).join(', ')}` : ''})`,
    );
    const receiptsForOpen = retries.filter((delivery) => !recorded.has(delivery.callback.index) && finalAnswer(delivery)?.answer === 'duplicate').length;
    if (receiptsForOpen > 0) ctx.step(`note: ${receiptsForOpen} retries got a duplicate receipt although their workflow still waited when the retries began`);

    // One delivery per callback for the verdict: its first request, then its retries.
    const retryOf = new Map(retries.map((retry) => [retry.callback.index, retry]));
    const merged = first.map((delivery): Delivery => {
      const retry = retryOf.get(delivery.callback.index);
      return retry ? { ...retry, accepted: delivery.accepted || retry.accepted, attempts: [...delivery.attempts, ...retry.attempts] } : delivery;
    });
    const counts = await ctx.verify(callbacks, merged);
    ctx.check(
      counts.resumed === callbacks.length && counts.appliedTwice === 0,
      `every callback resumed its workflow exactly once (resumed ${counts.resumed}/${callbacks.length}, applied twice ${counts.appliedTwice})`,
    );
    return counts;
  },
});
