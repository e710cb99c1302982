/**
 * The benchmark suite (`npm run bench`): starts its own Temporal dev server (port 37233, fresh
 * data in .data/bench/temporal) and, for the cluster benchmark, its own Temporal cluster
 * (`temporal-cluster.sh`, frontend on 41233, fresh data in .data/bench/cluster), a real gateway
 * process and an in-process worker on each, runs every
 * benchmark as a ratio against a baseline measured in the same run, prints a markdown report and
 * saves it (with the raw figures as JSON) under .data/bench/. Stops everything it started,
 * also on failure and Ctrl-C.
 *
 * Settings (environment):
 *   BENCH_ONLY      comma-separated subset: resume,throughput,cost,minting,webhooks,scale,cluster (default all),
 *                   or trace (not in the default run): where a resume waits, per candidate setting;
 *                   webhooks: resume through /webhooks/:source against a callback URL, and an event held for a later wait;
 *                   held-memory (not in the default run): worker memory per held event against a waiting callback
 *                   (bench/webhook-hold-memory.ts; BENCH_HELD_N, default 300, BENCH_HELD_ROUNDS, default 2)
 *   BENCH_CLUSTER_WAITING  N of the waiting-at-scale run on the Temporal cluster (default 2000; 0: none)
 *   BENCH_TRACE     candidates the trace compares (default stock,eager,tuned; see bench/trace-resume.ts)
 *   BENCH_TRACE_SAMPLES  samples per arm in the trace (default 60)
 *   BENCH_TEMPORAL_PORT  base port of the bench's servers (default 37233; the stock dev server +10, their UIs
 *                   +1000, the trace's servers from +2000, the cluster from +4000): to run beside another
 *                   bench run, move it by 5000 or more
 *   BENCH_WORKER_NODE_FLAGS  more Node flags for the worker processes (e.g. --cpu-prof --cpu-prof-dir=DIR)
 *   BENCH_WAITING   N of the waiting-at-scale benchmark (default 10000)
 *   BENCH_QUICK=1   far fewer samples: a smoke run, not figures to report
 *   BENCH_PROFILE=0 no CPU profiles of the gateway
 *   BENCH_NATIVE_GATEWAY=0  skip the extra path through a gateway whose Temporal client uses
 *                   NativeConnection (a candidate improvement measured alongside)
 *   BENCH_BUDGET_MIN   minutes the whole run should take (default 24): the waiting-at-scale
 *                      benchmark starts fewer than BENCH_WAITING workflows when they would not fit
 *                      (and says so); 0 for no budget
 *   BENCH_TIMEOUT_MIN  give up (and clean up) after this many minutes (default 45)
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { runOnCluster } from './cluster';
import { importSigningKey } from '../../tokens/callback-token';
import { runMain } from '../../config/run-main';
import { GATEWAY_COST_DEFAULTS, runGatewayCost } from './gateway-cost';
import { MINTING_DEFAULTS, runMinting } from './minting';
import { RESUME_LATENCY_DEFAULTS, runResumeLatency, type ResumeArm } from './resume-latency';
import { THROUGHPUT_DEFAULTS, runThroughput } from './throughput';
import { TRACE_CANDIDATES, TRACE_DEFAULT_ARMS, runTraceResume } from './trace-resume';
import { WAITING_DEFAULTS, runWaitingAtScale } from './waiting-at-scale';
import { WEBHOOK_LATENCY_DEFAULTS, runWebhookLatency } from './webhook-latency';
import { HELD_MEMORY_DEFAULTS, runHeldMemory } from './webhook-hold-memory';
import { startBenchWorker } from './support/bench-worker';
import { Cleanup } from './support/cleanup';
import type { BenchContext } from './support/context';
import { startGatewayProcess } from './support/gateway-process';
import { keepAliveAgent } from './support/http-client';
import { machineInfo } from './support/machine';
import { BENCH_DATA_DIR, benchCluster, benchStockTemporal, benchTemporal } from './support/paths';
import { Probe } from './support/probe';
import { renderReport, type BenchResults } from './support/report';
import { CHAINLESS } from './support/report-resume';
import { processByPid, serverWindow } from './support/server-window';
import { startResumeTarget } from './support/resume-target';

/** Token identity of the bench run; never accepted by a real gateway. */
const BENCH_TOKEN_IDENTITY = { issuer: 'durable-callbacks-bench', audience: 'durable-callbacks-bench-gateway' };

const BENCHMARKS = ['resume', 'throughput', 'cost', 'minting', 'webhooks', 'held-memory', 'scale', 'cluster', 'trace'] as const;
type Benchmark = (typeof BENCHMARKS)[number];
/** What `npm run bench` runs without `BENCH_ONLY`: the trace is for finding waits, on demand. */
const DEFAULT_BENCHMARKS: Benchmark[] = ['resume', 'throughput', 'cost', 'minting', 'webhooks', 'scale', 'cluster'];

/**
 * The resume benchmark's arms, the same on the dev server as shipped ("tuned") and on a stock one:
 * the issue's shape through the gateway, its baselines (a direct signal, a hand-written async
 * activity completion), the synchronous reply, and the local-activity twins; on the tuned server
 * also the NativeConnection gateway when it runs. The two servers alternate arm by arm, so each
 * carries the same load all along (a stock server's transfer-queue reads run out in bursts).
 * One more arm goes through the same gateway and tuned server to a worker that mints tokens
 * without their execution chain: against the tuned gateway arm, what the chain check costs.
 */
function resumeArms(native: boolean): ResumeArm[] {
  const shapes: Array<Omit<ResumeArm, 'target'>> = [
    { path: 'gateway', next: 'activity' },
    { path: 'direct', next: 'activity' },
    { path: 'async-completion', next: 'activity' },
    { path: 'gateway-sync', next: 'activity' },
    { path: 'gateway', next: 'localActivity' },
    { path: 'direct', next: 'localActivity' },
  ];
  return [
    ...shapes.flatMap((shape) => ['tuned', 'stock'].map((target) => ({ target, ...shape }))),
    ...(native ? [{ target: 'tuned', path: 'gateway-native', next: 'localActivity' } as const] : []),
    // The same gateway and server, tokens without their execution chain: what the chain check costs.
    { target: CHAINLESS, path: 'gateway', next: 'activity' },
  ];
}

function log(message: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function selectedBenchmarks(): Set<Benchmark> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!only?.length) return new Set(DEFAULT_BENCHMARKS);
  const unknown = only.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown benchmark(s) ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`);
  return new Set(only as Benchmark[]);
}

function settings(): Record<string, string> {
  return Object.fromEntries(
    ['BENCH_ONLY', 'BENCH_WAITING', 'BENCH_CLUSTER_WAITING', 'BENCH_QUICK', 'BENCH_PROFILE', 'BENCH_NATIVE_GATEWAY', 'BENCH_BUDGET_MIN', 'BENCH_TRACE', 'BENCH_TRACE_SAMPLES', 'BENCH_TEMPORAL_PORT', 'BENCH_HELD_N', 'BENCH_HELD_ROUNDS'].flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])),
  );
}

async function main(): Promise<void> {
  const began = performance.now();
  const selected = selectedBenchmarks();
  const quick = process.env.BENCH_QUICK === '1';
  const waiting = Number(process.env.BENCH_WAITING ?? (quick ? 500 : WAITING_DEFAULTS.n));
  if (!Number.isInteger(waiting) || waiting < 2) throw new Error(`BENCH_WAITING must be a whole number ≥ 2; got ${process.env.BENCH_WAITING}`);
  const clusterWaiting = Number(process.env.BENCH_CLUSTER_WAITING ?? (quick ? 200 : 2_000));
  if (!Number.isInteger(clusterWaiting) || clusterWaiting === 1 || clusterWaiting < 0) throw new Error(`BENCH_CLUSTER_WAITING must be 0 or a whole number ≥ 2; got ${process.env.BENCH_CLUSTER_WAITING}`);
  const throughputOptions = quick ? { ...THROUGHPUT_DEFAULTS, perRound: 100, rounds: 1, warmup: 20 } : THROUGHPUT_DEFAULTS;
  const cleanup = new Cleanup();
  cleanup.onSignals();
  const timeoutMin = Number(process.env.BENCH_TIMEOUT_MIN ?? 45);
  const budgetMin = Number(process.env.BENCH_BUDGET_MIN ?? 24);
  const guard = setTimeout(() => {
    log(`the run exceeded ${timeoutMin} minutes; stopping`);
    void cleanup.run().finally(() => process.exit(1));
  }, timeoutMin * 60_000);
  guard.unref();

  const runId = `bench-${Date.now().toString(36)}`;
  const results: BenchResults = {};
  const machine = machineInfo();
  const file = path.join(BENCH_DATA_DIR, `results-${runId}`);
  // Written after every benchmark, so a run cut short keeps what it measured.
  const save = async (): Promise<string> => {
    const report = renderReport({ command: 'npm run bench', machine, wallSeconds: (performance.now() - began) / 1000, settings: settings() }, results);
    await fs.writeFile(`${file}.md`, `${report}\n`);
    await fs.writeFile(`${file}.json`, JSON.stringify({ machine, results }, null, 2));
    return report;
  };
  try {
    await fs.mkdir(BENCH_DATA_DIR, { recursive: true });
    log('starting the bench Temporal dev server (fresh data)');
    const temporal = benchTemporal;
    await temporal.startFresh();
    cleanup.add('Temporal dev server', () => temporal.stop());

    log('bundling the bench workflows');
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./workflows'),
      logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
    });
    const workflowBundlePath = path.join(BENCH_DATA_DIR, 'workflow-bundle.js');
    await fs.writeFile(workflowBundlePath, bundle.code);

    const secret = randomBytes(32);
    const signingKey = await importSigningKey(secret);
    const signingKeyBase64 = secret.toString('base64');
    const gateway = await startGatewayProcess({
      mode: 'temporal',
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      signingKey: signingKeyBase64,
      identity: BENCH_TOKEN_IDENTITY,
      logs: 'silent',
    });
    cleanup.add('gateway process', () => gateway.close());
    log(`gateway (pid ${gateway.pid}) on ${gateway.url}`);
    const gatewayNative =
      process.env.BENCH_NATIVE_GATEWAY === '0'
        ? undefined
        : await startGatewayProcess({
            mode: 'temporal-native',
            temporalAddress: temporal.address,
            namespace: temporal.namespace,
            signingKey: signingKeyBase64,
            identity: BENCH_TOKEN_IDENTITY,
            logs: 'silent',
          });
    if (gatewayNative) {
      cleanup.add('NativeConnection gateway process', () => gatewayNative.close());
      log(`NativeConnection gateway (pid ${gatewayNative.pid}) on ${gatewayNative.url}`);
    }

    const connection = await Connection.connect({ address: temporal.address });
    cleanup.add('client connection', () => connection.close());
    const client = new Client({ connection, namespace: temporal.namespace });
    const agent = keepAliveAgent(64);
    cleanup.add('HTTP agent', () => agent.destroy());

    const probe = new Probe();
    const mintLog = new Map<string, number[]>();
    const taskQueue = `${runId}-main`;
    const worker = await startBenchWorker({
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue,
      workflowBundle: { code: bundle.code },
      signingKey,
      identity: BENCH_TOKEN_IDENTITY,
      callbackBaseUrl: gateway.url,
      probe,
      onMint: (workflowId, at) => {
        const list = mintLog.get(workflowId) ?? [];
        list.push(at);
        mintLog.set(workflowId, list);
      },
    });
    const stopWorker = cleanup.add('in-process worker', () => worker.stop());

    const ctx: BenchContext = {
      runId,
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      client,
      taskQueue,
      probe,
      mintLog,
      gateway,
      ...(gatewayNative ? { gatewayNative } : {}),
      agent,
      signingKey,
      signingKeyBase64,
      identity: BENCH_TOKEN_IDENTITY,
      workflowBundlePath,
      pids: { temporal: await temporal.pid(), gateway: gateway.pid, bench: process.pid, ...(gatewayNative ? { gatewayNative: gatewayNative.pid } : {}) },
      quick,
      profile: process.env.BENCH_PROFILE !== '0',
      log,
    };

    if (selected.has('resume')) {
      log('1. resume latency (with a stock dev server beside the tuned one)');
      const tuned = await startResumeTarget(ctx, {
        name: 'tuned',
        server: temporal,
        started: true,
        gateway,
        ...(gatewayNative ? { gatewayNative } : {}),
      });
      const stopTuned = cleanup.add('tuned resume target', () => tuned.stop());
      const stock = await startResumeTarget(ctx, { name: 'stock', server: benchStockTemporal });
      const stopStock = cleanup.add('stock resume target', () => stock.stop());
      const chainless = await startResumeTarget(ctx, { name: CHAINLESS, server: temporal, started: true, gateway, chainlessTokens: true, sharesProcessesWith: 'tuned' });
      const stopChainless = cleanup.add('chainless resume target', () => chainless.stop());
      results.resumeLatency = await runResumeLatency(
        ctx,
        [tuned.target, stock.target, chainless.target],
        resumeArms(gatewayNative !== undefined),
        quick ? { ...RESUME_LATENCY_DEFAULTS, warmup: 5, samples: 20 } : RESUME_LATENCY_DEFAULTS,
      );
      await stopChainless();
      await stopStock();
      await stopTuned();
      await save();
    }
    if (selected.has('throughput')) {
      log('2. throughput');
      const endWindow = await serverWindow([
        processByPid('temporal', await temporal.pid(), temporal.metricsUrl ? { metricsUrl: temporal.metricsUrl } : {}),
        processByPid('gateway', gateway.pid),
        processByPid('bench', process.pid),
      ]);
      results.throughput = await runThroughput(ctx, throughputOptions);
      results.throughputServer = await endWindow();
      await save();
    }
    if (selected.has('cost')) {
      log('3. gateway cost');
      results.gatewayCost = await runGatewayCost(ctx, quick ? { ...GATEWAY_COST_DEFAULTS, roundMs: 1_000, rounds: 2 } : GATEWAY_COST_DEFAULTS);
      await save();
    }
    if (selected.has('minting')) {
      log('4. minting');
      results.minting = await runMinting(ctx, quick ? { ...MINTING_DEFAULTS, workflows: 3, warmup: 1 } : MINTING_DEFAULTS);
      await save();
    }
    if (selected.has('webhooks')) {
      log('webhooks: resume through /webhooks/:source against a callback URL, and an event held for a later wait');
      results.webhookLatency = await runWebhookLatency(ctx, quick ? { ...WEBHOOK_LATENCY_DEFAULTS, warmup: 3, samples: 10 } : WEBHOOK_LATENCY_DEFAULTS);
      await save();
    }
    if (selected.has('held-memory')) {
      const n = Number(process.env.BENCH_HELD_N ?? (quick ? 100 : HELD_MEMORY_DEFAULTS.n));
      const rounds = Number(process.env.BENCH_HELD_ROUNDS ?? HELD_MEMORY_DEFAULTS.rounds);
      if (!Number.isInteger(n) || n < 1 || n > 5_000) throw new Error(`BENCH_HELD_N must be a whole number from 1 to 5000; got ${process.env.BENCH_HELD_N}`);
      log(`held-memory: worker memory per held event (N = ${n}) against a waiting callback`);
      results.heldMemory = await runHeldMemory(ctx, { ...HELD_MEMORY_DEFAULTS, n, rounds });
      await save();
    }
    if (selected.has('trace')) {
      const names = (process.env.BENCH_TRACE ?? 'stock,eager,tuned').split(',').map((s) => s.trim());
      const candidates = names.map((name) => {
        const candidate = TRACE_CANDIDATES.find((c) => c.name === name);
        if (!candidate) throw new Error(`BENCH_TRACE: unknown candidate '${name}'; choose from ${TRACE_CANDIDATES.map((c) => c.name).join(', ')}`);
        return candidate;
      });
      const samples = Number(process.env.BENCH_TRACE_SAMPLES ?? (quick ? 10 : 60));
      log(`trace: ${candidates.map((c) => c.name).join(', ')}, ${samples} samples per arm`);
      results.trace = await runTraceResume(ctx, {
        candidates,
        arms: TRACE_DEFAULT_ARMS,
        latency: { ...RESUME_LATENCY_DEFAULTS, warmup: Math.min(10, samples), samples, trace: true },
      });
      await save();
    }
    // The scale benchmark's worker runs alone: the in-process one stops first.
    await stopWorker();
    if (selected.has('scale')) {
      log(`5. waiting at scale (N = ${waiting})`);
      const deadline = budgetMin > 0 ? began + (budgetMin - 0.5) * 60_000 : undefined;
      results.waitingAtScale = await runWaitingAtScale(ctx, { ...WAITING_DEFAULTS, n: waiting, ...(deadline === undefined ? {} : { deadline }) });
      await save();
    }
    if (selected.has('cluster')) {
      log(`cluster: throughput${clusterWaiting > 0 ? ` and waiting at scale (N = ${clusterWaiting})` : ''} on a Temporal cluster`);
      results.cluster = await runOnCluster(ctx, benchCluster, cleanup, {
        throughput: throughputOptions,
        ...(clusterWaiting > 0 ? { waiting: { ...WAITING_DEFAULTS, n: clusterWaiting, caches: [undefined] } } : {}),
        profileSeconds: ctx.profile ? (quick ? 1 : 4) : 0,
      });
      await save();
    }
  } finally {
    log('stopping what the benchmark started');
    await cleanup.run();
  }

  const report = await save();
  console.log(report);
  log(`report saved to ${path.relative(process.cwd(), file)}.md (raw figures in .json); ${((performance.now() - began) / 1000).toFixed(0)} s in all`);
}

runMain(main);
