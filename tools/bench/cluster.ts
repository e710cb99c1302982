import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TemporalCluster } from '../../test/support/temporal-cluster';
import { startBenchWorker } from './support/bench-worker';
import type { Cleanup } from './support/cleanup';
import type { BenchContext } from './support/context';
import { startGatewayProcess } from './support/gateway-process';
import { BENCH_PROFILE_DIR } from './support/paths';
import { Probe } from './support/probe';
import { cpuSeconds } from './support/proc-cpu';
import { goCpuProfile, processByPid, serverWindow, type GoProfile, type ServerWindowResult } from './support/server-window';
import { runThroughput, throughputRound, type ThroughputOptions, type ThroughputResult } from './throughput';
import { runWaitingAtScale, type WaitingAtScaleOptions, type WaitingAtScaleResult } from './waiting-at-scale';

/** Options for {@link runOnCluster}. */
export interface ClusterBenchOptions {
  throughput: ThroughputOptions;
  /** Undefined: no waiting-at-scale run on the cluster. */
  waiting?: WaitingAtScaleOptions;
  /** Length of the Go CPU profiles taken of each service as an extra throughput round resumes its workflows, seconds; 0 for none. */
  profileSeconds: number;
}

/** What {@link runOnCluster} measured. */
export interface ClusterBenchResult {
  /** The processes of the cluster, by service. */
  processes: Record<string, number>;
  throughput: ThroughputResult;
  /** What the cluster did over the throughput benchmark (every round, warm-up included). */
  server: ServerWindowResult;
  waitingAtScale?: WaitingAtScaleResult;
  /** Each service's CPU profile while an extra, unmeasured throughput round resumes its workflows through the gateway. */
  profiles: GoProfile[];
}

/**
 * Benchmark 6. The throughput and waiting-at-scale benchmarks again, on a production-shaped
 * Temporal (`temporal-cluster.sh`: frontend, history, matching and worker services each in its
 * own process, four history shards, PostgreSQL), with a gateway, a worker and a client of their
 * own on it, and the same baseline (direct signals) in the same rounds. CPU is counted per
 * service and for PostgreSQL with its backends; the services' own metrics and Go CPU profiles
 * say where the time goes. Starts the cluster afresh and stops it before returning.
 */
export async function runOnCluster(base: BenchContext, cluster: TemporalCluster, cleanup: Cleanup, options: ClusterBenchOptions): Promise<ClusterBenchResult> {
  base.log(`cluster: starting a fresh Temporal cluster on ${cluster.address} (temporal-cluster.sh)`);
  await cluster.startFresh((line) => base.log(`cluster: ${line}`));
  const stopCluster = cleanup.add('Temporal cluster', () => cluster.stop(() => undefined));
  const processes = await cluster.processes();
  // PostgreSQL is counted with its backends, a process per connection.
  const serverProcesses = processes.map((p) => processByPid(p.service, p.pid, { tree: p.service === 'postgres', ...(p.metricsUrl ? { metricsUrl: p.metricsUrl } : {}) }));
  const temporalCpu = () => serverProcesses.reduce((sum, p) => sum + cpuSeconds(p.cpu), 0);

  const gateway = await startGatewayProcess({
    mode: 'temporal',
    temporalAddress: cluster.address,
    namespace: cluster.namespace,
    signingKey: base.signingKeyBase64,
    identity: base.identity,
    logs: 'silent',
  });
  const stopGateway = cleanup.add('cluster gateway process', () => gateway.close());
  const connection = await Connection.connect({ address: cluster.address });
  const stopConnection = cleanup.add('cluster client connection', () => connection.close());
  const probe = new Probe();
  const taskQueue = `${base.runId}-cluster`;
  const worker = await startBenchWorker({
    address: cluster.address,
    namespace: cluster.namespace,
    taskQueue,
    workflowBundle: { code: await fs.readFile(base.workflowBundlePath, 'utf8') },
    signingKey: base.signingKey,
    identity: base.identity,
    callbackBaseUrl: gateway.url,
    probe,
  });
  const stopWorker = cleanup.add('cluster in-process worker', () => worker.stop());
  const { gatewayNative: _notOnTheCluster, ...rest } = base;
  const ctx: BenchContext = {
    ...rest,
    runId: `${base.runId}-cluster`,
    temporalAddress: cluster.address,
    namespace: cluster.namespace,
    client: new Client({ connection, namespace: cluster.namespace }),
    taskQueue,
    probe,
    mintLog: new Map(),
    gateway,
    pids: { temporal: temporalCpu, gateway: gateway.pid, bench: process.pid },
    log: (message) => base.log(`cluster: ${message}`),
  };

  ctx.log(`throughput (${processes.map((p) => `${p.service} pid ${p.pid}`).join(', ')})`);
  const endWindow = await serverWindow([
    ...serverProcesses,
    processByPid('gateway', gateway.pid),
    processByPid('bench', process.pid),
  ]);
  const throughput = await runThroughput(ctx, options.throughput);
  const server = await endWindow();

  const profiles: GoProfile[] = [];
  const profiled = processes.filter((p) => p.pprofUrl);
  if (profiled.length > 0 && options.profileSeconds > 0) {
    ctx.log(`CPU profiles of ${profiled.map((p) => p.service).join(', ')} over the first ${options.profileSeconds} s of resuming an extra round`);
    let taking: Array<Promise<GoProfile | undefined>> = [];
    await throughputRound(ctx, 'gateway', options.throughput.perRound, 'profiled', options.throughput.concurrency, () => {
      taking = profiled.map((p) => goCpuProfile(p.service, p.pprofUrl!, options.profileSeconds, path.join(BENCH_PROFILE_DIR, `cluster-${p.service}-${base.runId}.pb.gz`), ctx.log));
    });
    for (const profile of await Promise.all(taking)) if (profile) profiles.push(profile);
  }
  // The scale benchmark's worker runs alone, in its own process.
  await stopWorker();
  let waitingAtScale: WaitingAtScaleResult | undefined;
  if (options.waiting) {
    ctx.log(`waiting at scale (N = ${options.waiting.n})`);
    waitingAtScale = await runWaitingAtScale(ctx, options.waiting);
  }
  await stopConnection();
  await stopGateway();
  await stopCluster();
  return { processes: Object.fromEntries(processes.map((p) => [p.service, p.pid])), throughput, server, ...(waitingAtScale ? { waitingAtScale } : {}), profiles };
}
