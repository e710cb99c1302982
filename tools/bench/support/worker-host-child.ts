/**
 * A bench worker in its own process, so its memory and CPU are measured alone; driven by
 * bench/support/worker-host.ts over IPC. Not an entry point of its own.
 */
import { importSigningKey } from '../../../tokens/callback-token';
import type { TokenIdentity } from '../../../tokens/callback-token';
import { runMain } from '../../../config/run-main';
import { quietTemporalRuntime, startBenchWorker, type BenchWorkerTuning } from './bench-worker';
import { childConfig, sendEvent, serveRequests } from './ipc';

/** Configuration of a worker host child (sent as JSON). */
export interface WorkerHostConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  workflowBundlePath: string;
  signingKey: string;
  identity: TokenIdentity;
  callbackBaseUrl: string;
  maxCachedWorkflows?: number;
  /** Worker options over the product's defaults. */
  tuning?: BenchWorkerTuning;
  /** Serve the SDK's Prometheus metrics on this port. */
  metricsPort?: number;
  /** Mint tokens without their execution chain (see `BenchWorkerOptions.chainlessTokens`). */
  chainlessTokens?: boolean;
}

/** What the worker host reports about its memory; heap figures are after a full GC. */
export interface WorkerHostMemory {
  rss: number;
  heapUsed: number;
  external: number;
  /** Workflows in the worker's cache (`worker.getStatus().numCachedWorkflows`). */
  cachedWorkflows?: number;
}

async function main(): Promise<void> {
  const config = childConfig<WorkerHostConfig>();
  quietTemporalRuntime(config.metricsPort);
  const worker = await startBenchWorker({
    address: config.address,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    workflowBundle: { codePath: config.workflowBundlePath },
    signingKey: await importSigningKey(Buffer.from(config.signingKey, 'base64')),
    identity: config.identity,
    callbackBaseUrl: config.callbackBaseUrl,
    ...(config.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: config.maxCachedWorkflows }),
    ...(config.tuning ? { tuning: config.tuning } : {}),
    ...(config.chainlessTokens ? { chainlessTokens: true } : {}),
    probe: {
      ready: (info) => sendEvent('ready', info),
      resumed: (key, status, at) => sendEvent('resumed', { key, status, at }),
    },
  });
  serveRequests({
    memory: (): WorkerHostMemory => {
      (globalThis as { gc?: () => void }).gc?.();
      const usage = process.memoryUsage();
      return { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, cachedWorkflows: worker.worker.getStatus().numCachedWorkflows };
    },
    cpu: () => process.cpuUsage(),
    stop: async () => {
      await worker.stop();
      setTimeout(() => process.exit(0), 20);
    },
  });
  sendEvent('started', { maxCachedWorkflows: worker.maxCachedWorkflows });
}

runMain(main);
