import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pollUntil, seconds } from '../../../test/support/async';
import { mapLimit } from '../../../test/support/pool';
import { describeExit } from '../../../test/support/processes';
import { webhookMailboxId } from '../../../protocol/webhook-ids';
import { webhookEventQuery, webhookMailboxQuery } from '../../../protocol/definitions';
import { GITHUB_SOURCE, PULL_REQUEST_EVENT, pullRequestDeliveries, sendPullRequest, writeGitHubSource, type PullRequestDelivery } from '../support/github-events';
import { FAULTS_DATA_DIR } from '../support/paths';
import type { Scenario, ScenarioContext } from '../support/scenario';
import { describeDeliveries, toGateway, type Delivery } from '../support/sender';
import type { VerifiedWait } from '../support/verify';
import { subscribedQuery, type webhookWaiter } from '../support/webhook-workflows';

/** Waiters subscribed before the worker is killed. */
const SUBSCRIBED = 100;
/** Pull requests whose event comes before their waiter exists (started once a worker is back). */
const EARLY = 50;
const CONCURRENCY = 25;
/** Bound on every waiter having its subscription. */
const SUBSCRIBE_TIMEOUT_MS = 180_000;

/** Events sent for one more pull request while no worker runs, each about {@link BULK_BYTES}: together more than one history may hold on the suite's server. */
const BULK = 16;
const BULK_BYTES = 150 * 1024;
/** Bound on the large events all reaching their mailbox once a worker is back. */
const BULK_TIMEOUT_MS = 120_000;

/** How many times pull request `index`'s delivery is sent: a provider's redelivery of 2 in 5, with the same delivery id. */
const copiesOf = (index: number) => [1, 3, 2, 1, 1][index % 5]!;

/** Starts a `webhookWaiter` for each pull request of `deliveries`, expecting exactly its event. */
function startWaiters(ctx: ScenarioContext, run: string, deliveries: readonly PullRequestDelivery[]): Promise<VerifiedWait[]> {
  return mapLimit(deliveries, CONCURRENCY, async (delivery) => ({
    index: delivery.index,
    handle: await ctx.client.workflow.start<typeof webhookWaiter>('webhookWaiter', {
      taskQueue: ctx.taskQueue,
      workflowId: `faults-${ctx.name}-${run}-${delivery.index}`,
      args: [{ source: GITHUB_SOURCE, event: PULL_REQUEST_EVENT, key: delivery.key, timeout: '30m' }],
    }),
    payload: delivery.event,
    idempotencyKey: delivery.deliveryId,
  }));
}

/** Waits until every waiter's mailbox has its subscription (a query failing on a busy worker counts as not yet). */
async function waitForSubscriptions(waiters: readonly VerifiedWait[]): Promise<void> {
  await mapLimit(waiters, CONCURRENCY, (waiter) =>
    pollUntil(`waiter #${waiter.index} subscribed`, () => waiter.handle.query(subscribedQuery).catch(() => false), SUBSCRIBE_TIMEOUT_MS, 500),
  );
}

/** Sends every delivery once, then the redeliveries, all to `gateway`. */
async function sendAll(deliveries: readonly PullRequestDelivery[], secret: string, gateway: string): Promise<Delivery<PullRequestDelivery>[]> {
  const policy = toGateway(gateway);
  const first = await mapLimit(deliveries, CONCURRENCY, (delivery) => sendPullRequest(delivery, secret, policy));
  const again = deliveries.flatMap((delivery) => Array.from({ length: copiesOf(delivery.index) - 1 }, (_, copy) => ({ delivery, copy: copy + 1 })));
  const redelivered = await mapLimit(again, CONCURRENCY, ({ delivery, copy }) => sendPullRequest(delivery, secret, policy, copy));
  return [...first, ...redelivered];
}

/** `BULK` distinct events of one pull request (one key), each padded to about {@link BULK_BYTES}. */
function bulkDeliveries(repo: string): PullRequestDelivery[] {
  const [base] = pullRequestDeliveries(repo, 1);
  return Array.from({ length: BULK }, (_, index) => {
    const event = { ...base!.event, drill: { bulk: index, filler: 'x'.repeat(BULK_BYTES) } };
    return { ...base!, index, deliveryId: randomUUID(), event, body: JSON.stringify(event) };
  });
}

/** How many of `deliveries` (one key) its mailbox holds, each by a `webhookEvent` that still has its whole body. */
async function heldWhole(ctx: ScenarioContext, deliveries: readonly PullRequestDelivery[]): Promise<number> {
  const view = await ctx.client.workflow.getHandle(webhookMailboxId(GITHUB_SOURCE, deliveries[0]!.key)).query(webhookMailboxQuery);
  const whole = await mapLimit(view.events, 4, async (ref) => {
    const held = await ctx.client.workflow.getHandle(ref.workflowId).query(webhookEventQuery);
    return deliveries.some((delivery) => delivery.deliveryId === held.deliveryId && JSON.stringify(held.data) === delivery.body);
  });
  return whole.filter(Boolean).length;
}

/** How many redelivered pull requests' mailboxes hold their event once, as they should (a redelivery is not held again). */
async function heldOnce(ctx: ScenarioContext, deliveries: readonly PullRequestDelivery[]): Promise<number> {
  const held = await mapLimit(deliveries, 10, async (delivery) => {
    const view = await ctx.client.workflow.getHandle(webhookMailboxId(GITHUB_SOURCE, delivery.key)).query(webhookMailboxQuery);
    return view.events.length === 1 && view.events[0]!.deliveryId === delivery.deliveryId;
  });
  return held.filter(Boolean).length;
}

/**
 * 100 workflows wait on `waitForWebhook` for their own pull request's event; the worker is
 * SIGKILLed; every event and the events of 50 pull requests nobody waits for yet are answered 202
 * `accepted` (a redelivery of some, same body: `duplicate`): the gateway only needs Temporal to
 * start each event's own `webhookEvent`. Sixteen 150 KB events for one more pull request, more
 * than one history may hold on the suite's server, are accepted too. A new worker resumes each
 * waiter once with its own event, the 50 late waiters included, and the large events' key holds
 * every one of them whole.
 */
export const webhookWorkerDown: Scenario = {
  name: 'webhook-worker-down',
  summary: 'GitHub events sent while no worker runs are held by their mailboxes and resume each webhook wait once, early events included',
  async run(ctx) {
    const sourcesFile = path.join(FAULTS_DATA_DIR, `webhook-sources-${ctx.taskQueue}.json`);
    try {
      const github = await writeGitHubSource(sourcesFile);
      const [gateway, worker] = await Promise.all([
        ctx.startGateway({ name: 'gateway', port: ctx.gatewayPorts[0], webhookSources: github.gatewayOptions }),
        ctx.startWorker({ name: 'worker-1', workflows: 'webhook-waits' }),
      ]);
      const run = randomUUID().slice(0, 8);
      const deliveries = pullRequestDeliveries(`octo/faults-${run}`, SUBSCRIBED + EARLY);
      const [subscribedPrs, earlyPrs] = [deliveries.slice(0, SUBSCRIBED), deliveries.slice(SUBSCRIBED)];

      ctx.step(`starting ${SUBSCRIBED} webhookWaiter workflows, each on its own key of source '${GITHUB_SOURCE}'`);
      const started = Date.now();
      const subscribed = await startWaiters(ctx, run, subscribedPrs);
      await waitForSubscriptions(subscribed);
      ctx.step(`${SUBSCRIBED} waiters subscribed to their mailboxes (${seconds(Date.now() - started)})`);

      ctx.step('SIGKILL to worker-1 (its whole process group)');
      ctx.step(`worker-1 gone (${describeExit(await worker.kill())})`);

      const copies = deliveries.reduce((sum, delivery) => sum + copiesOf(delivery.index), 0);
      ctx.step(`sending ${deliveries.length} signed pull_request events (${EARLY} for waiters not started yet) and ${copies - deliveries.length} redeliveries while no worker runs`);
      const sent = await sendAll(deliveries, github.secret, gateway.url);
      ctx.step(describeDeliveries(sent));
      const answers = sent.flatMap((delivery) => delivery.attempts).filter((attempt) => attempt.status !== undefined && attempt.status < 300);
      const accepted = answers.filter((attempt) => attempt.status === 202 && attempt.answer === 'accepted').length;
      const duplicates = answers.filter((attempt) => attempt.status === 202 && attempt.answer === 'duplicate').length;
      ctx.check(
        accepted === deliveries.length && duplicates === answers.length - deliveries.length,
        `every event answered 202 accepted once (${accepted}/${deliveries.length}), every redelivery 202 duplicate (${duplicates}/${answers.length - deliveries.length})`,
      );
      const firstAnswers = sent.filter((delivery) => delivery.attempts[0]?.status === 202).length;
      ctx.check(firstAnswers === sent.length, `every request answered 202 on its first try (${firstAnswers}/${sent.length})`);
      const bulk = bulkDeliveries(`octo/faults-${run}-bulk`);
      ctx.step(`sending ${BULK} events of ${BULK_BYTES / 1024} KB for one pull request (${((BULK * BULK_BYTES) / 1024 / 1024).toFixed(1)} MB for one key, over the server's 2 MB history limit)`);
      const bulkSent = await mapLimit(bulk, 4, (delivery) => sendPullRequest(delivery, github.secret, toGateway(gateway.url)));
      const bulkAccepted = bulkSent.filter((delivery) => delivery.attempts.at(-1)?.status === 202 && delivery.attempts.at(-1)?.answer === 'accepted').length;
      ctx.check(bulkAccepted === BULK, `every large event answered 202 accepted (${bulkAccepted}/${BULK})`);
      const running = await ctx.countRunning(subscribed, 10);
      ctx.check(running === SUBSCRIBED, `no worker, so nothing resumed yet: ${running}/${SUBSCRIBED} waiters still RUNNING`);

      await ctx.startWorker({ name: 'worker-2', workflows: 'webhook-waits' });
      ctx.step(`starting the ${EARLY} waiters whose events came first`);
      const early = await startWaiters(ctx, run, earlyPrs);
      const counts = await ctx.verify([...subscribed, ...early], sent, { completionTimeoutMs: 240_000 });
      const redelivered = deliveries.filter((delivery) => copiesOf(delivery.index) > 1);
      const once = await heldOnce(ctx, redelivered);
      ctx.check(once === redelivered.length, `each redelivered event held once by its mailbox (${once}/${redelivered.length})`);
      // Each large event reaches its mailbox when its own activity runs, after the worker is back: wait for all of them.
      let whole = 0;
      await pollUntil('the large events held by their mailbox', async () => (whole = await heldWhole(ctx, bulk).catch(() => whole)) === BULK, BULK_TIMEOUT_MS, 1_000).catch(() => undefined);
      ctx.check(whole === BULK, `the key of the large events holds every one of them, whole, once the worker is back (${whole}/${BULK})`);
      return counts;
    } finally {
      await fs.rm(sourcesFile, { force: true });
    }
  },
};
