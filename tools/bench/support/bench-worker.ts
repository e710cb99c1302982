import { performance } from 'node:perf_hooks';
import { DefaultLogger, NativeConnection, Runtime, type Worker, type WorkerOptions } from '@temporalio/worker';
import type { CryptoKey } from 'jose';
import type { TokenIdentity } from '../../../tokens/callback-token';
import { createCallbackTokenMinter, type CallbackTokenMinter } from '../../../tokens/mint-callback-token';
import { createCallbackWorker } from '../../../worker';
import { probeActivities, type ProbeSink } from './probe';

let runtimeInstalled = false;

/**
 * Installs a Temporal runtime that logs warnings and errors only (once per process); with
 * `metricsPort`, the SDK's Prometheus metrics are served on it (`/metrics`, durations in ms).
 */
export function quietTemporalRuntime(metricsPort?: number): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    ...(metricsPort === undefined ? {} : { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}` } } } }),
  });
}

/** The worker options a bench run may vary (JSON, so a child process can take them). */
export type BenchWorkerTuning = Pick<
  WorkerOptions,
  | 'maxEagerActivityReservationsPerWorkflowTask'
  | 'maxConcurrentWorkflowTaskPolls'
  | 'maxConcurrentActivityTaskPolls'
  | 'workflowTaskPollerBehavior'
  | 'activityTaskPollerBehavior'
  | 'nonStickyToStickyPollRatio'
  | 'stickyQueueScheduleToStartTimeout'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskExecutions'
  | 'workflowThreadPoolSize'
  | 'reuseV8Context'
  | 'debugMode'
>;

/** Options for {@link startBenchWorker}. */
export interface BenchWorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  workflowBundle: NonNullable<WorkerOptions['workflowBundle']>;
  signingKey: CryptoKey;
  identity: TokenIdentity;
  /** The gateway's URL: every minted URL starts with it. */
  callbackBaseUrl: string;
  /** Where the probe local activities report. */
  probe: ProbeSink;
  /** Called at the start of every `generateCallbackUrl` run with the workflow id and `performance.now()`. */
  onMint?: (workflowId: string, at: number) => void;
  /**
   * Mint tokens without their execution chain, as before chains were recorded: the gateway then
   * signals the workflow's latest run by workflow id, without the chain check (its A/B baseline).
   */
  chainlessTokens?: boolean;
  maxCachedWorkflows?: number;
  /** Worker options over the product's defaults. */
  tuning?: BenchWorkerTuning;
}

/** A running bench worker. */
export interface BenchWorker {
  worker: Worker;
  /** The cache size the worker runs with (the SDK's default unless set). */
  maxCachedWorkflows: number;
  stop(): Promise<void>;
}

/**
 * Starts the product's worker (`createCallbackWorker`) with the bench workflows, the real minting
 * activity (timed through `onMint`) and the probe local activities.
 */
export async function startBenchWorker(options: BenchWorkerOptions): Promise<BenchWorker> {
  quietTemporalRuntime();
  const connection = await NativeConnection.connect({ address: options.address });
  const signer = createCallbackTokenMinter(options.signingKey, options.identity);
  const { onMint, chainlessTokens } = options;
  const minter: CallbackTokenMinter =
    onMint || chainlessTokens
      ? {
          mint(claims) {
            onMint?.(claims.workflowId, performance.now());
            if (!chainlessTokens) return signer.mint(claims);
            const { executionChain: _dropped, ...chainless } = claims;
            return signer.mint(chainless);
          },
        }
      : signer;
  const worker = await createCallbackWorker({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle,
    ...(options.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: options.maxCachedWorkflows }),
    callbacks: { minting: { minter, callbackBaseUrl: options.callbackBaseUrl } },
    activities: probeActivities(options.probe),
    ...(options.tuning ? { workerOptions: options.tuning } : {}),
  });
  const running = worker.run();
  return {
    worker,
    maxCachedWorkflows: worker.options.maxCachedWorkflows,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
