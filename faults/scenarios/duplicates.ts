import { mapLimit } from '../../test/support/pool';
import { defineScenario } from '../support/scenario';
import { alternating, deliver, describeDeliveries } from '../support/sender';

/** Copies of each callback, sent at once with the same `Idempotency-Key` and data. */
const COPIES = 5;
/** Workflows whose histories are read to show every copy reached the workflow. */
const HISTORY_SAMPLE = 20;

/**
 * Every callback is delivered five times concurrently, with one `Idempotency-Key`, through two
 * gateway processes in turn. Each copy is answered 202 (Temporal recorded it) or, when it came
 * after the workflow had already completed, 410; each wait resolves once, with the (identical)
 * data of the first.
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
    // A copy that arrives after the first one completed the workflow finds it closed: 410.
    const closed = deliveries.filter((delivery) => !delivery.accepted && delivery.gaveUp === 'answer 410 WORKFLOW_CLOSED').length;
    const acceptedCopies = deliveries.filter((delivery) => delivery.accepted).length;
    ctx.check(
      acceptedCopies + closed === deliveries.length,
      `every copy was answered 202 (${acceptedCopies}) or, once its workflow had completed, 410 WORKFLOW_CLOSED (${closed})`,
    );

    // 202 means Temporal recorded the copy, a refusal signals nothing: a history holds one signal per 202.
    const sample = callbacks.slice(0, HISTORY_SAMPLE);
    const matches = await mapLimit(sample, 5, async (callback) => {
      const history = await callback.handle.fetchHistory();
      const signals = (history.events ?? []).filter((event) => event.workflowExecutionSignaledEventAttributes != null).length;
      const copies = deliveries.filter((delivery) => delivery.callback === callback);
      const answered202 = copies.filter((delivery) => delivery.accepted).length;
      const requests = copies.reduce((sum, delivery) => sum + delivery.attempts.length, 0);
      return { signals, answered202, exact: signals === answered202, plausible: signals >= answered202 && signals <= requests };
    });
    ctx.check(
      matches.every((match) => match.plausible),
      `${matches.filter((match) => match.exact).length}/${sample.length} sampled histories hold exactly one signal per 202 copy ` +
        `(${matches.map((match) => `${match.signals}/${match.answered202}`).join(' ')}; signals/202s)`,
    );
    return ctx.verify(callbacks, deliveries);
  },
});
