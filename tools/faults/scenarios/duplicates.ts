import { mapLimit } from '../../../test/support/pool';
import { defineScenario } from '../support/scenario';
import { alternating, deliver, describeDeliveries } from '../support/sender';

/** Copies of each callback, sent at once with the same `Idempotency-Key` and data. */
const COPIES = 5;
/** Workflows whose histories are read to show every copy reached the workflow. */
const HISTORY_SAMPLE = 20;

/**
 * Every callback is delivered five times concurrently, with one `Idempotency-Key`, through two
 * gateway processes in turn. Each copy is answered 202: `accepted` (Temporal recorded it) or
 * `duplicate` (a copy of a delivery already recorded; when it came after the workflow had
 * completed, the gateway found the recorded copy in the history, its receipt), never 410; each
 * wait resolves once, with the (identical) data of the first.
 */
export const duplicates = defineScenario({
  name: 'duplicates',
  summary: `${COPIES} concurrent copies of each callback (one Idempotency-Key, two gateways) resolve each wait exactly once`,
  setup: { gateways: ['gateway-a', 'gateway-b'], workers: ['worker'], workflows: 200 },
  async run(ctx, { urls: gateways, callbacks }) {
    ctx.step(`sending each of ${callbacks.length} callbacks ${COPIES} times at once (copies alternate gateway-a / gateway-b), 20 callbacks at a time`);
    const deliveries = (
      await mapLimit(callbacks, 20, (callback) =>
        Promise.all(Array.from({ length: COPIES }, (_, copy) => deliver(callback, alternating(gateways, copy), undefined, copy))),
      )
    ).flat();
    ctx.step(describeDeliveries(deliveries));
    // A copy that arrives after the first one completed the workflow is answered with the first one's receipt, never 410.
    const answered = (answer: string) => deliveries.filter((delivery) => delivery.accepted && delivery.attempts.at(-1)?.answer === answer).length;
    const acceptedCopies = answered('accepted');
    const duplicateCopies = answered('duplicate');
    ctx.check(
      acceptedCopies + duplicateCopies === deliveries.length,
      `every copy was answered 202 accepted (${acceptedCopies}) or 202 duplicate (${duplicateCopies}; ${deliveries.length - acceptedCopies - duplicateCopies} otherwise)`,
    );

    // 202 accepted means Temporal recorded the copy's signal; a 202 duplicate may have signalled
    // again (a repeat through the same gateway) or only found the receipt (the workflow had closed):
    // a history holds at least one signal per 202 accepted, at most one per 202.
    const sample = callbacks.slice(0, HISTORY_SAMPLE);
    const matches = await mapLimit(sample, 5, async (callback) => {
      const history = await callback.handle.fetchHistory();
      const signals = (history.events ?? []).filter((event) => event.workflowExecutionSignaledEventAttributes != null).length;
      const copies = deliveries.filter((delivery) => delivery.callback === callback);
      const answered202 = copies.filter((delivery) => delivery.accepted).length;
      const accepted202 = copies.filter((delivery) => delivery.accepted && delivery.attempts.at(-1)?.answer === 'accepted').length;
      return { signals, accepted202, answered202, exact: signals === answered202, plausible: signals >= accepted202 && signals <= answered202 };
    });
    ctx.check(
      matches.every((match) => match.plausible),
      `every sampled history holds at least one signal per 202 accepted copy and at most one per 202 copy; ${matches.filter((match) => match.exact).length}/${sample.length} exactly one per 202 ` +
        `(${matches.map((match) => `${match.signals}/${match.accepted202}/${match.answered202}`).join(' ')}; signals/202 accepted/202s)`,
    );
    return ctx.verify(callbacks, deliveries);
  },
});
