import { promises as fs } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { GITHUB_SOURCE, PULL_REQUEST_EVENT, writeGitHubSource } from '../faults/support/github-events';
import { webhookMailboxId } from '../../protocol/webhook-ids';
import { mapLimit } from '../../test/support/pool';
import { pollUntil, sleep, withTimeout } from '../../test/support/async';
import { deliverCallbackSignal, webhookHoldUpdate, webhookMailboxQuery, webhookSubscribeUpdate } from '../../protocol/definitions';
import type { BenchContext } from './support/context';
import { send, startWaiting } from './support/deliver';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process';
import { sendPullRequestWebhook, signedPullRequest } from './support/github-webhook';
import { addCosts, historyCost, medianCost, quietHistory, signalTimes, taskCompletedAfterSignal, updateTimes, type History, type HistoryCost } from './support/history-cost';
import { BENCH_DATA_DIR, benchTemporal } from './support/paths';
import { cpuWindow, type CpuWindow } from './support/proc-cpu';
import type { Resumed } from './support/probe';
import { startResumeTarget, type ResumeTarget } from './support/resume-target';
import { SampleCpu } from './support/sample-cpu';
import { summarize, type Summary } from './support/stats';
import type { BenchWebhookInput, NextStep } from './workflows';

/**
 * The ways a waiting workflow is resumed, interleaved sample by sample: its own callback URL
 * (`createCallback`, the sender POSTs to the URL), a provider webhook matched by key
 * (`createWebhookWait`, the sender POSTs a GitHub-signed event to `/webhooks/github` after the wait
 * began), and the same webhook sent before the wait began, held by the key's mailbox.
 */
export const WEBHOOK_ARMS = ['callback-url', 'webhook', 'webhook-early'] as const;

/** One of {@link WEBHOOK_ARMS}. */
export type WebhookArm = (typeof WEBHOOK_ARMS)[number];

/** Options for {@link runWebhookLatency}. */
export interface WebhookLatencyOptions {
  /** Samples per arm thrown away first (their workflows still count for `lost`). */
  warmup: number;
  /** Samples per arm kept. */
  samples: number;
  /** Waiting workflows started per arm before each run of sequential samples. */
  batch: number;
  /** Pause between samples, so each one starts on a quiet system. */
  gapMs: number;
  /** What runs after the wait: a regular activity (the resume benchmark's headline) or a local activity. */
  next: NextStep;
  /** How long each process's CPU use at rest is measured first (subtracted from the per-event figures); /proc counts 10 ms ticks, so not less than 10 s. */
  restMs: number;
  /** Bound on one sample's resume: past it the workflow counts as lost, and is terminated. */
  resumeTimeoutMs: number;
}

/** The default: 100 kept samples per arm after 20 warm-up, the next step a regular activity. */
export const WEBHOOK_LATENCY_DEFAULTS: WebhookLatencyOptions = { warmup: 20, samples: 100, batch: 10, gapMs: 15, next: 'activity', restMs: 10_000, resumeTimeoutMs: 30_000 };

/** One labelled point of a sample's path, ms after the sample's start, summarised over the samples. */
export interface PathPoint {
  label: string;
  at: Summary;
}

/** What one arm measured; latencies in ms. */
export interface WebhookArmResult {
  arm: WebhookArm;
  /**
   * Resume latency: the sender starts sending → the workflow's next step runs (stamped in the
   * worker). For `webhook-early`, the event was held already: from the wait's beginning (stamped in
   * the worker just before `createWebhookWait`) → the next step.
   */
  resume: Summary;
  /** The sender's POST → its 2xx (`202`): for the callback URL once Temporal recorded the signal, for a webhook the mailbox's signal-with-start. */
  answer: Summary;
  /**
   * CPU ms per event by process (`temporal`, `gateway`, `worker`, `driver`), each one's use at rest
   * subtracted: from /proc, but the gateway's from its own `process.cpuUsage()` (µs).
   */
  cpuMs: Record<string, number>;
  /** Where the time goes: the signals on the way, as the server recorded them, then the next step. */
  path: PathPoint[];
  /**
   * History per delivered event, field by field medians over the samples: the waiting workflow's
   * own, its mailbox's once it settled (webhook arms; each sample has its own key, so its own
   * mailbox), both together, and for `webhook-early` the mailbox once it held the event, before
   * any wait began.
   */
  history: {
    waiter: HistoryCost;
    mailbox?: HistoryCost;
    /** Webhook arms: the event's own `webhookEvent` workflow, once it settled. */
    event?: HistoryCost;
    /** Waiter + mailbox + event workflow. */
    total: HistoryCost;
    /** `webhook-early`: mailbox + event workflow once the event was held, before any wait began. */
    held?: HistoryCost;
    /** `webhook-early`, the two parts of `held`: the mailbox's history, and the event workflow's. */
    heldMailbox?: HistoryCost;
    heldEvent?: HistoryCost;
  };
}

/** Whether every workflow resumed exactly once, warm-up included. */
export interface ResumedOnce {
  /** Workflows started (every arm, warm-up included). */
  workflows: number;
  /** Resumed with `received`, by one delivery signal. */
  once: number;
  /** Not resumed within `resumeTimeoutMs`. */
  lost: number;
  /** Resumed, but the wait ended other than `received`. */
  notReceived: number;
  /** Resumed, but more than one delivery signal reached the workflow. */
  duplicated: number;
}

/** What {@link runWebhookLatency} measured. */
export interface WebhookLatencyResult {
  options: WebhookLatencyOptions;
  /** The provider the webhook arms play, and its event type. */
  provider: { source: string; event: string };
  arms: WebhookArmResult[];
  /** p50 and p99 of `webhook` and of `webhook-early` over `callback-url`'s, from the same run. */
  ratios: { webhook: { p50: number; p99: number }; early: { p50: number; p99: number } };
  resumedOnce: ResumedOnce;
  /** CPU ms per second each process used at rest. */
  idleCpuMsPerSecond: Record<string, number>;
  /** What reading the gateway's own CPU count costs it, µs per window (subtracted from its per-event figure). */
  gatewayReadUs: number;
  /** CPU over the whole benchmark: ours per process, and the rest of the machine's. */
  cpu: CpuWindow;
}

/** What a sample left behind before it is summarised. */
interface Sample {
  resumeMs: number;
  answerMs: number;
  /** CPU seconds by process over the sample, at-rest use subtracted. */
  cpu: Record<string, number>;
  /** ms after the sample's start, by label. */
  points: Array<{ label: string; ms: number }>;
  waiter: HistoryCost;
  mailbox?: HistoryCost;
  event?: HistoryCost;
  held?: { mailbox: HistoryCost; event: HistoryCost };
}

/** How a sample ended: measured, or why not. */
type Outcome = { sample: Sample } | { failed: Exclude<keyof ResumedOnce, 'workflows' | 'once'> };

/** What every sample needs: where it runs and how it is measured. */
interface Bench {
  ctx: Pick<BenchContext, 'runId'>;
  target: ResumeTarget;
  /** The gateway serving both the callback URLs and `/webhooks/github`. */
  gateway: GatewayProcess;
  /** The `github` source's secret. */
  secret: string;
  /** The repository of every sample's pull request. */
  repo: string;
  options: WebhookLatencyOptions;
  /** Each sample's CPU, by process. */
  cpu: SampleCpu;
}

const workflowId = (bench: Bench, arm: WebhookArm, i: number) => `${bench.ctx.runId}-webhooks-${arm}-${i}`;
/** Each sample waits for its own pull request, so its own key and mailbox. */
const pullRequestNumber = (arm: WebhookArm, i: number) => WEBHOOK_ARMS.length * i + WEBHOOK_ARMS.indexOf(arm) + 1;

function webhookInput(bench: Bench, arm: WebhookArm, i: number): BenchWebhookInput {
  return {
    key: workflowId(bench, arm, i),
    next: bench.options.next,
    webhook: { source: GITHUB_SOURCE, event: PULL_REQUEST_EVENT, key: `${bench.repo}#${pullRequestNumber(arm, i)}` },
    ...(arm === 'webhook-early' ? { early: true } : {}),
  };
}

function startWebhookWaits(client: Client, taskQueue: string, inputs: BenchWebhookInput[]): Promise<unknown> {
  return mapLimit(inputs, 4, (input) => client.workflow.start('benchWebhook', { taskQueue, workflowId: input.key, args: [input] }));
}

/** The workflow's resume, or undefined when it did not resume in time (it is terminated then). */
async function resumedOrLost(bench: Bench, key: string, resumed: Promise<Resumed>): Promise<Resumed | undefined> {
  try {
    return await withTimeout(resumed, bench.options.resumeTimeoutMs, `workflow ${key} resuming`);
  } catch {
    await bench.target.client.workflow.getHandle(key).terminate('not resumed within the webhook benchmark\'s bound').catch(() => undefined);
    return undefined;
  }
}

/** The waiter's outcome from its status and its history: one `durableCallbacks.deliver` signal, or how it went wrong. */
async function waiterOutcome(bench: Bench, key: string, status: Resumed['status']): Promise<{ failed: 'notReceived' | 'duplicated' } | { history: History }> {
  const handle = bench.target.client.workflow.getHandle(key);
  await handle.result();
  const history = await handle.fetchHistory();
  if (status !== 'received') return { failed: 'notReceived' };
  if (signalTimes(history, deliverCallbackSignal.name).length !== 1) return { failed: 'duplicated' };
  return { history };
}

/**
 * The waiting workflow's points, ms after `startAt` (epoch ms): the delivery signal recorded, and
 * the workflow task that ended the wait completed (its commands, the next step's among them, sent).
 */
function waitEndPoints(history: History, startAt: number): Sample['points'] {
  return [
    { label: 'workflow signalled (`durableCallbacks.deliver`)', ms: signalTimes(history, deliverCallbackSignal.name)[0]! - startAt },
    { label: 'its workflow task completed', ms: taskCompletedAfterSignal(history, deliverCallbackSignal.name)! - startAt },
  ];
}

/** A callback-URL sample: POST to the workflow's own URL (through the same gateway as the webhooks). */
async function callbackUrlSample(bench: Bench, i: number): Promise<Outcome> {
  const { target } = bench;
  const key = workflowId(bench, 'callback-url', i);
  const info = await target.probe.whenReady(key);
  const resumed = target.probe.whenResumed(key);
  const meter = await bench.cpu.start();
  const sent = performance.now();
  await send(target, 'gateway', info, i);
  const answered = performance.now();
  const at = await resumedOrLost(bench, key, resumed);
  if (!at) return { failed: 'lost' };
  const waiter = await waiterOutcome(bench, key, at.status);
  const cpu = await meter();
  if ('failed' in waiter) return waiter;
  const sentAt = performance.timeOrigin + sent;
  return {
    sample: {
      resumeMs: at.at - sent,
      answerMs: answered - sent,
      cpu,
      points: [
        ...waitEndPoints(waiter.history, sentAt),
        { label: 'next step ran', ms: at.at - sent },
      ],
      waiter: historyCost(waiter.history),
    },
  };
}

/** The history of the event the mailbox holds: its own `webhookEvent` workflow's, once it settled. */
async function eventCost(client: Client, mailbox: WorkflowHandle): Promise<HistoryCost> {
  let eventWorkflowId: string | undefined;
  await pollUntil(
    'the mailbox holding the event',
    async () => {
      eventWorkflowId = (await mailbox.query(webhookMailboxQuery).catch(() => undefined))?.events[0]?.workflowId;
      return eventWorkflowId !== undefined;
    },
    10_000,
    5,
  );
  return historyCost(await quietHistory(client.workflow.getHandle(eventWorkflowId!)));
}

/** The history an event held before any wait costs: its mailbox's and its own `webhookEvent` workflow's. */
async function heldCost(client: Client, mailbox: WorkflowHandle): Promise<{ mailbox: HistoryCost; event: HistoryCost }> {
  const event = await eventCost(client, mailbox);
  return { mailbox: historyCost(await quietHistory(mailbox)), event };
}

/**
 * A webhook sample: the event POSTed to `/webhooks/github` once the wait is subscribed
 * (`webhook`), or before the wait begins (`webhook-early`: the waiting workflow is started once
 * the mailbox holds the event, and times from its wait's beginning).
 */
async function webhookSample(bench: Bench, arm: 'webhook' | 'webhook-early', i: number): Promise<Outcome> {
  const { target } = bench;
  const input = webhookInput(bench, arm, i);
  const key = input.key;
  const delivery = await signedPullRequest(bench.secret, bench.repo, pullRequestNumber(arm, i));
  const mailbox = target.client.workflow.getHandle(webhookMailboxId(GITHUB_SOURCE, delivery.key));
  const early = arm === 'webhook-early';
  if (!early) await target.probe.whenReady(key);
  const meter = await bench.cpu.start();
  const sent = performance.now();
  await sendPullRequestWebhook(target.agent, bench.gateway.url, delivery);
  const answered = performance.now();
  // What holding the event costs before any wait: the mailbox's history and the event's own workflow.
  const held = early ? await heldCost(target.client, mailbox) : undefined;
  if (early) await startWebhookWaits(target.client, target.taskQueue, [input]);
  const resumed = target.probe.whenResumed(key);
  // The start of the measured path: the send, or (early) the wait's beginning, stamped in the worker.
  const start = early ? (await withTimeout(target.probe.whenReady(key), bench.options.resumeTimeoutMs, `workflow ${key} beginning its wait`)).readyAt! - performance.timeOrigin : sent;
  const at = await resumedOrLost(bench, key, resumed);
  if (!at) return { failed: 'lost' };
  const waiter = await waiterOutcome(bench, key, at.status);
  const mailboxHistory = await quietHistory(mailbox);
  const event = await eventCost(target.client, mailbox);
  const cpu = await meter();
  if ('failed' in waiter) return waiter;
  const startAt = performance.timeOrigin + start;
  const [mailboxSignal] = early ? updateTimes(mailboxHistory, webhookSubscribeUpdate.name) : updateTimes(mailboxHistory, webhookHoldUpdate.name);
  return {
    sample: {
      resumeMs: at.at - start,
      answerMs: answered - sent,
      cpu,
      points: [
        { label: early ? 'mailbox took the subscription (`durableCallbacks.webhookSubscribe`)' : 'mailbox took the event (`durableCallbacks.webhookHold`)', ms: mailboxSignal! - startAt },
        ...waitEndPoints(waiter.history, startAt),
        { label: 'next step ran', ms: at.at - start },
      ],
      waiter: historyCost(waiter.history),
      mailbox: historyCost(mailboxHistory),
      event,
      ...(held ? { held } : {}),
    },
  };
}

function armResult(arm: WebhookArm, samples: Sample[]): WebhookArmResult {
  const n = samples.length;
  const cpuMs = Object.fromEntries(Object.keys(samples[0]?.cpu ?? {}).map((name) => [name, (1000 * samples.reduce((sum, s) => sum + s.cpu[name]!, 0)) / n]));
  const labels = samples[0]?.points.map((p) => p.label) ?? [];
  const waiter = medianCost(samples.map((s) => s.waiter));
  const mailboxes = samples.flatMap((s) => (s.mailbox ? [s.mailbox] : []));
  const events = samples.flatMap((s) => (s.event ? [s.event] : []));
  const held = samples.flatMap((s) => (s.held ? [s.held] : []));
  return {
    arm,
    resume: summarize(samples.map((s) => s.resumeMs)),
    answer: summarize(samples.map((s) => s.answerMs)),
    cpuMs,
    path: labels.map((label, k) => ({ label, at: summarize(samples.map((s) => s.points[k]!.ms)) })),
    history: {
      waiter,
      ...(mailboxes.length ? { mailbox: medianCost(mailboxes) } : {}),
      ...(events.length ? { event: medianCost(events) } : {}),
      total: medianCost(samples.map((s) => addCosts(s.waiter, ...(s.mailbox ? [s.mailbox] : []), ...(s.event ? [s.event] : [])))),
      ...(held.length
        ? {
            held: medianCost(held.map((h) => addCosts(h.mailbox, h.event))),
            heldMailbox: medianCost(held.map((h) => h.mailbox)),
            heldEvent: medianCost(held.map((h) => h.event)),
          }
        : {}),
    },
  };
}

/**
 * Provider webhooks against callback URLs, in one run on the bench's dev server: sequential
 * samples of "the sender sends" to "the workflow runs its next step" for each arm of
 * {@link WEBHOOK_ARMS}, interleaved sample by sample with the order rotating, every delivery
 * through one real gateway process serving both `/callbacks/…` and `/webhooks/github` (the
 * product's gateway, configured with a sources file as `npm run gateway` is), to one worker in its
 * own process. GitHub is the provider played: its signature is the cheapest to make and check (one
 * HMAC-SHA256 over the body, no timestamp) and its `pull_request` key is the documented example.
 *
 * Each sample waits on a fresh workflow and its own key. Its CPU window (every process, at-rest
 * use subtracted) runs from the send to the workflow's completion and, for the webhook arms, its
 * mailbox's settling; each waiting workflow's and mailbox's history is read back afterwards for
 * what a delivered event costs Temporal. Every workflow must resume exactly once: the lost,
 * not-received and duplicated ones are counted (warm-up included), not thrown.
 */
export async function runWebhookLatency(ctx: BenchContext, options: WebhookLatencyOptions = WEBHOOK_LATENCY_DEFAULTS): Promise<WebhookLatencyResult> {
  const sourcesFile = path.join(BENCH_DATA_DIR, `webhook-sources-${ctx.runId}.json`);
  const github = await writeGitHubSource(sourcesFile);
  const taskQueue = `${ctx.runId}-webhooks`;
  const stops: Array<() => Promise<void>> = [() => fs.rm(sourcesFile, { force: true })];
  try {
    const gateway = await startGatewayProcess({
      mode: 'temporal',
      temporalAddress: ctx.temporalAddress,
      namespace: ctx.namespace,
      signingKey: ctx.signingKeyBase64,
      identity: ctx.identity,
      logs: 'silent',
      webhooks: { sourcesFile, env: github.gatewayOptions.secretEnv, taskQueue },
    });
    stops.push(() => gateway.close());
    const started = await startResumeTarget(ctx, { name: 'webhooks', server: benchTemporal, started: true, gateway, taskQueue });
    stops.push(() => started.stop());
    const { target } = started;
    const pids = { temporal: target.pids.temporal!, gateway: target.pids.gateway!, worker: target.pids.worker!, driver: process.pid };

    const bench: Bench = {
      ctx,
      target,
      gateway,
      secret: github.secret,
      repo: `bench/${ctx.runId}`,
      options,
      cpu: new SampleCpu(pids, gateway),
    };
    await bench.cpu.measureRest(options.restMs);

    const total = options.warmup + options.samples;
    const kept = Object.fromEntries(WEBHOOK_ARMS.map((arm) => [arm, [] as Sample[]])) as Record<WebhookArm, Sample[]>;
    const resumedOnce: ResumedOnce = { workflows: 0, once: 0, lost: 0, notReceived: 0, duplicated: 0 };
    const endCpu = cpuWindow(pids);
    for (let first = 0; first < total; first += options.batch) {
      const indices = Array.from({ length: Math.min(options.batch, total - first) }, (_, j) => first + j);
      // The waits that begin before their event; the early arm's start once its event is held.
      await Promise.all([
        startWaiting(target.client, target.taskQueue, indices.map((i) => workflowId(bench, 'callback-url', i)), 4, { next: options.next }),
        startWebhookWaits(target.client, target.taskQueue, indices.map((i) => webhookInput(bench, 'webhook', i))),
      ]);
      await withTimeout(
        Promise.all(indices.flatMap((i) => (['callback-url', 'webhook'] as const).map((arm) => target.probe.whenReady(workflowId(bench, arm, i))))),
        120_000,
        'webhook batch reaching its waits',
      );
      await sleep(200);
      for (const i of indices) {
        for (let k = 0; k < WEBHOOK_ARMS.length; k++) {
          const arm = WEBHOOK_ARMS[(k + i) % WEBHOOK_ARMS.length]!;
          const outcome = arm === 'callback-url' ? await callbackUrlSample(bench, i) : await webhookSample(bench, arm, i);
          resumedOnce.workflows++;
          if ('failed' in outcome) resumedOnce[outcome.failed]++;
          else {
            resumedOnce.once++;
            if (i >= options.warmup) kept[arm].push(outcome.sample);
          }
          target.probe.forget(workflowId(bench, arm, i));
          await sleep(options.gapMs);
        }
      }
      ctx.log(`webhooks: ${Math.min(first + options.batch, total)}/${total} samples per arm`);
    }
    const cpu = endCpu();
    const arms = WEBHOOK_ARMS.map((arm) => armResult(arm, kept[arm]));
    const [url, webhook, early] = arms as [WebhookArmResult, WebhookArmResult, WebhookArmResult];
    const ratioOf = (arm: WebhookArmResult) => ({ p50: arm.resume.p50 / url.resume.p50, p99: arm.resume.p99 / url.resume.p99 });
    return {
      options,
      provider: { source: GITHUB_SOURCE, event: PULL_REQUEST_EVENT },
      arms,
      ratios: { webhook: ratioOf(webhook), early: ratioOf(early) },
      resumedOnce,
      idleCpuMsPerSecond: bench.cpu.idleMsPerSecond,
      gatewayReadUs: bench.cpu.gatewayReadUs,
      cpu,
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => ctx.log(`webhooks: cleaning up: ${String(err)}`));
  }
}

/** The arm's result. */
export function findWebhookArm(result: WebhookLatencyResult, arm: WebhookArm): WebhookArmResult | undefined {
  return result.arms.find((r) => r.arm === arm);
}
