import path from 'node:path';
import { forkChild } from './ipc';
import type { Probe } from './probe';
import type { WorkerHostConfig, WorkerHostMemory } from './worker-host-child';
import type { BenchReadyInfo } from '../workflows';

/** A bench worker in its own process (bench/support/worker-host-child.ts). */
export interface WorkerHost {
  pid: number;
  /** The cache size the worker runs with. */
  maxCachedWorkflows: number;
  /** The SDK's Prometheus endpoint, when the config asked for one. */
  metricsUrl?: string;
  /** Its memory; heap figures after a full GC. */
  memory(): Promise<WorkerHostMemory>;
  stop(): Promise<void>;
}

/**
 * Forks a worker host with `config`; its probes report to `probe`, each resume stamped in the
 * worker's process (so the IPC hop is not part of a sample).
 */
export async function startWorkerHost(config: WorkerHostConfig, probe: Probe): Promise<WorkerHost> {
  const { channel, started } = await forkChild<{ maxCachedWorkflows: number }>(path.join(__dirname, 'worker-host-child.ts'), {
    config,
    // BENCH_WORKER_NODE_FLAGS: more Node flags for worker hosts, e.g. `--cpu-prof --cpu-prof-dir=.data/bench/profiles`
    // (profiles every thread, the workflow threads included).
    execArgv: ['--expose-gc', ...(process.env.BENCH_WORKER_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])],
  });
  channel.on<BenchReadyInfo>('ready', (info) => probe.ready(info));
  channel.on<{ key: string; status: string; at: number }>('resumed', ({ key, status, at }) => probe.resumed(key, status, at));
  return {
    pid: channel.pid,
    maxCachedWorkflows: started.maxCachedWorkflows,
    ...(config.metricsPort === undefined ? {} : { metricsUrl: `http://127.0.0.1:${config.metricsPort}/metrics` }),
    memory: () => channel.request<WorkerHostMemory>('memory'),
    stop: () => channel.stop(),
  };
}
