/**
 * What a held webhook event costs a worker's memory, against a waiting callback, in one run
 * (`npx tsx bench/webhook-hold-memory.ts`, or `BENCH_ONLY=held-memory npm run bench`).
 *
 * On the bench's own dev server (`benchTemporal`, port 37233 unless `BENCH_TEMPORAL_PORT`), with one
 * real gateway process serving `/webhooks/github` and callback URLs, rounds alternate between:
 *   - waiting: a fresh worker process, then N `benchResume` workflows, each waiting on its own
 *     callback URL (`createCallback`, the baseline: what `waiting-at-scale` measures);
 *   - held: a fresh worker process, then N GitHub-signed events POSTed on N distinct keys with no
 *     wait, each held by its `webhookEvent` workflow and referenced by its key's `webhookMailbox`.
 * Each round reads the worker's RSS and heap (after a full GC) and its cached workflows when idle
 * and once all N are waiting / held; the figure is the growth per waiting workflow or held event,
 * and the held event's as a ratio to the waiting callback's. Loopback only, bounded counts and
 * time; stops everything it started.
 *
 * Settings (environment, standalone): BENCH_HELD_N (default 300), BENCH_HELD_ROUNDS (rounds of
 * each arm, default 2), BENCH_TEMPORAL_PORT.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { GITHUB_SOURCE, writeGitHubSource } from '../faults/support/github-events';
import { webhookMailboxId } from '../../protocol/webhook-ids';
import { runMain } from '../../config/run-main';
import { pollUntil, sleep, withTimeout } from '../../test/support/async';
import { mapLimit } from '../../test/support/pool';
import { webhookMailboxQuery } from '../../protocol/definitions';
import { Cleanup } from './support/cleanup';
import type { BenchContext } from './support/context';
import { startWaiting } from './support/deliver';
import { startGatewayProcess } from './support/gateway-process';
import { sendPullRequestWebhook, signedPullRequest } from './support/github-webhook';
import { keepAliveAgent } from './support/http-client';
import { BENCH_DATA_DIR, benchTemporal } from './support/paths';
import { Probe } from './support/probe';
import { median } from './support/stats';
import { startWorkerHost } from './support/worker-host';
import type { WorkerHostMemory } from './support/worker-host-child';

/** Options for {@link runHeldMemory}. */
export interface HeldMemoryOptions {
  /** Waiting workflows, and held events, per round. */
  n: number;
  /** Rounds of each arm, alternating (waiting, held, waiting, held, ...). */
  rounds: number;
  /** Requests in flight while starting the waits or POSTing the events. */
  concurrency: number;
  /** Bound on one round's starting or holding, ms. */
  roundTimeoutMs: number;
}

export const HELD_MEMORY_DEFAULTS: HeldMemoryOptions = { n: 300, rounds: 2, concurrency: 16, roundTimeoutMs: 120_000 };

export type HeldMemoryArm = 'waiting' | 'held';

/** One round of one arm, on a fresh worker process. */
export interface HeldMemoryRound {
  arm: HeldMemoryArm;
  n: number;
  maxCachedWorkflows: number;
  idle: WorkerHostMemory;
  loaded: WorkerHostMemory;
  /** First start / POST to the last one waiting / held. */
  ms: number;
  /** Growth per waiting workflow / held event, bytes. */
  rssPer: number;
  heapPer: number;
}

/** What {@link runHeldMemory} measured. */
export interface HeldMemoryResult {
  options: HeldMemoryOptions;
  rounds: HeldMemoryRound[];
  /** Medians over the rounds, per arm, bytes per waiting workflow / held event, and cached workflows each added. */
  median: Record<HeldMemoryArm, { rssPer: number; heapPer: number; cachedPer: number; ms: number }>;
  /** held ÷ waiting, of the medians. */
  ratio: { rss: number; heap: number };
}

type Ctx = Pick<BenchContext, 'runId' | 'temporalAddress' | 'namespace' | 'client' | 'signingKeyBase64' | 'identity' | 'workflowBundlePath' | 'agent' | 'log'>;

const KiB = 1024;

export async function runHeldMemory(ctx: Ctx, options: HeldMemoryOptions = HELD_MEMORY_DEFAULTS): Promise<HeldMemoryResult> {
  const cleanup = new Cleanup();
  const sourcesFile = path.join(BENCH_DATA_DIR, `held-memory-sources-${ctx.runId}.json`);
  const github = await writeGitHubSource(sourcesFile);
  cleanup.add('sources file', () => fs.rm(sourcesFile, { force: true }));
  const heldQueue = `${ctx.runId}-held`;
  const rounds: HeldMemoryRound[] = [];
  try {
    const gateway = await startGatewayProcess({
      mode: 'temporal',
      temporalAddress: ctx.temporalAddress,
      namespace: ctx.namespace,
      signingKey: ctx.signingKeyBase64,
      identity: ctx.identity,
      logs: 'silent',
      webhooks: { sourcesFile, env: github.gatewayOptions.secretEnv, taskQueue: heldQueue },
    });
    cleanup.add('held-memory gateway', () => gateway.close());

    for (let round = 0; round < options.rounds; round++) {
      for (const arm of ['waiting', 'held'] as const) {
        const probe = new Probe();
        const taskQueue = arm === 'held' ? heldQueue : `${ctx.runId}-held-memory-waiting-${round}`;
        const host = await startWorkerHost(
          {
            address: ctx.temporalAddress,
            namespace: ctx.namespace,
            taskQueue,
            workflowBundlePath: ctx.workflowBundlePath,
            signingKey: ctx.signingKeyBase64,
            identity: ctx.identity,
            callbackBaseUrl: gateway.url,
          },
          probe,
        );
        try {
          await sleep(2_000);
          const idle = await host.memory();
          const began = performance.now();
          if (arm === 'waiting') {
            const keys = Array.from({ length: options.n }, (_, i) => `${ctx.runId}-held-memory-wait-${round}-${i}`);
            await startWaiting(ctx.client, taskQueue, keys, options.concurrency);
            await withTimeout(Promise.all(keys.map((key) => probe.whenReady(key))), options.roundTimeoutMs, `${options.n} workflows reaching their waits`);
          } else {
            const repo = `bench/${ctx.runId}-held-${round}`;
            const deadline = Date.now() + options.roundTimeoutMs;
            await mapLimit(
              Array.from({ length: options.n }, (_, i) => i + 1),
              options.concurrency,
              async (number) => {
                const delivery = await signedPullRequest(github.secret, repo, number);
                await sendPullRequestWebhook(ctx.agent, gateway.url, delivery);
                // Held: the event's workflow handed its reference to the key's mailbox.
                const mailbox = ctx.client.workflow.getHandle(webhookMailboxId(GITHUB_SOURCE, delivery.key));
                await pollUntil(
                  `the mailbox of ${delivery.key} holding its event`,
                  async () => ((await mailbox.query(webhookMailboxQuery).catch(() => undefined))?.events.length ?? 0) > 0,
                  Math.max(1_000, deadline - Date.now()),
                  50,
                );
              },
            );
          }
          const ms = performance.now() - began;
          await sleep(3_000);
          const loaded = await host.memory();
          const r: HeldMemoryRound = {
            arm,
            n: options.n,
            maxCachedWorkflows: host.maxCachedWorkflows,
            idle,
            loaded,
            ms,
            rssPer: (loaded.rss - idle.rss) / options.n,
            heapPer: (loaded.heapUsed - idle.heapUsed) / options.n,
          };
          rounds.push(r);
          ctx.log(
            `held-memory round ${round + 1} ${arm}: ${options.n} in ${(ms / 1000).toFixed(1)} s; RSS +${(r.rssPer / KiB).toFixed(1)} KiB, heap +${(r.heapPer / KiB).toFixed(1)} KiB each; ` +
              `cached workflows ${idle.cachedWorkflows} → ${loaded.cachedWorkflows} (cache ${host.maxCachedWorkflows})`,
          );
        } finally {
          await host.stop();
        }
      }
    }
  } finally {
    await cleanup.run();
  }
  const per = (arm: HeldMemoryArm) => {
    const rs = rounds.filter((r) => r.arm === arm);
    return {
      rssPer: median(rs.map((r) => r.rssPer)),
      heapPer: median(rs.map((r) => r.heapPer)),
      cachedPer: median(rs.map((r) => ((r.loaded.cachedWorkflows ?? NaN) - (r.idle.cachedWorkflows ?? NaN)) / r.n)),
      ms: median(rs.map((r) => r.ms)),
    };
  };
  const m = { waiting: per('waiting'), held: per('held') };
  return { options, rounds, median: m, ratio: { rss: m.held.rssPer / m.waiting.rssPer, heap: m.held.heapPer / m.waiting.heapPer } };
}

/** The result as markdown lines. */
export function heldMemorySection(r: HeldMemoryResult): string[] {
  const kib = (b: number) => (b / KiB).toFixed(1);
  return [
    `N = ${r.options.n} per round, ${r.options.rounds} rounds per arm alternating, a fresh worker process each round; growth per waiting workflow / held event (RSS; heap after a full GC), medians over the rounds:`,
    '',
    '| Arm | RSS KiB each | heap KiB each | cached workflows each | time to wait / hold N, s |',
    '| --- | --- | --- | --- | --- |',
    ...(['waiting', 'held'] as const).map((arm) => {
      const x = r.median[arm];
      return `| ${arm === 'waiting' ? 'waiting callback (`benchResume`, baseline)' : 'held event (no wait)'} | ${kib(x.rssPer)} | ${kib(x.heapPer)} | ${x.cachedPer.toFixed(2)} | ${(x.ms / 1000).toFixed(1)} |`;
    }),
    '',
    `Held event ÷ waiting callback, same run: RSS ×${r.ratio.rss.toFixed(2)}, heap ×${r.ratio.heap.toFixed(2)}. Rounds (RSS KiB each): ${r.rounds.map((x) => `${x.arm} ${kib(x.rssPer)}`).join(', ')}.`,
  ];
}

/** Standalone: its own dev server (fresh data), gateway and worker processes; stops everything it started. */
async function main(): Promise<void> {
  const options: HeldMemoryOptions = {
    ...HELD_MEMORY_DEFAULTS,
    n: Number(process.env.BENCH_HELD_N ?? HELD_MEMORY_DEFAULTS.n),
    rounds: Number(process.env.BENCH_HELD_ROUNDS ?? HELD_MEMORY_DEFAULTS.rounds),
  };
  if (!Number.isInteger(options.n) || options.n < 1 || options.n > 5_000) throw new Error(`BENCH_HELD_N must be a whole number from 1 to 5000; got ${process.env.BENCH_HELD_N}`);
  if (!Number.isInteger(options.rounds) || options.rounds < 1 || options.rounds > 10) throw new Error(`BENCH_HELD_ROUNDS must be 1 to 10; got ${process.env.BENCH_HELD_ROUNDS}`);
  const log = (message: string) => console.error(`[held-memory ${new Date().toISOString().slice(11, 19)}] ${message}`);
  const cleanup = new Cleanup();
  cleanup.onSignals();
  const guard = setTimeout(() => {
    log('the run exceeded 15 minutes; stopping');
    void cleanup.run().finally(() => process.exit(1));
  }, 15 * 60_000);
  guard.unref();
  const runId = `held-${Date.now().toString(36)}`;
  try {
    await fs.mkdir(BENCH_DATA_DIR, { recursive: true });
    log('starting the bench Temporal dev server (fresh data)');
    await benchTemporal.startFresh();
    cleanup.add('Temporal dev server', () => benchTemporal.stop());
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./workflows'),
      logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
    });
    const workflowBundlePath = path.join(BENCH_DATA_DIR, `workflow-bundle-${runId}.js`);
    await fs.writeFile(workflowBundlePath, bundle.code);
    cleanup.add('workflow bundle', () => fs.rm(workflowBundlePath, { force: true }));
    const connection = await Connection.connect({ address: benchTemporal.address });
    cleanup.add('client connection', () => connection.close());
    const agent = keepAliveAgent(32);
    cleanup.add('HTTP agent', () => agent.destroy());
    const result = await runHeldMemory(
      {
        runId,
        temporalAddress: benchTemporal.address,
        namespace: benchTemporal.namespace,
        client: new Client({ connection, namespace: benchTemporal.namespace }),
        signingKeyBase64: randomBytes(32).toString('base64'),
        identity: { issuer: 'durable-callbacks-bench', audience: 'durable-callbacks-bench-gateway' },
        workflowBundlePath,
        agent,
        log,
      },
      options,
    );
    const file = path.join(BENCH_DATA_DIR, `held-memory-${runId}.json`);
    await fs.writeFile(file, JSON.stringify(result, null, 2));
    console.log(heldMemorySection(result).join('\n'));
    log(`raw figures in ${path.relative(process.cwd(), file)}`);
  } finally {
    await cleanup.run();
  }
}

if (require.main === module) runMain(main);
