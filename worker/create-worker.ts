import { NativeConnection, Worker, type WorkerOptions, type WorkerPlugin } from '@temporalio/worker';
import { durableCallbacks, type DurableCallbacksOptions } from './plugin';

/** Options for {@link createCallbackWorker}. */
export interface CallbackWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** What the {@link durableCallbacks} plugin installs: URL minting, payload encryption. */
  callbacks: DurableCallbacksOptions;
  /** Your workflows. Default: this package's ready-made `awaitCallback`, the `webhookEvent` and `webhookMailbox` that webhooks run, and the `standingDelegations` of out-of-office approvers. */
  workflowsPath?: string;
  /** A pre-built workflow bundle, instead of `workflowsPath`. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Your activities, next to the minting activity the plugin adds. */
  activities?: object;
  /** More plugins, after this package's. */
  plugins?: WorkerPlugin[];
  /** Workflows kept in the worker's cache; lower values trade memory for replays. */
  maxCachedWorkflows?: number;
  /** Any other `Worker.create` option (pollers, slots, eager activities, ...), applied last. */
  workerOptions?: Omit<WorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'workflowsPath' | 'workflowBundle' | 'activities' | 'plugins'>;
}

/**
 * Sugar for `Worker.create` with the {@link durableCallbacks} plugin: a worker that runs your
 * workflows (or, by default, the ready-made `awaitCallback`, `webhookEvent`, `webhookMailbox` and `standingDelegations`) with callback URL minting installed.
 * Call `run()` on the result.
 *
 * It keeps the SDK's worker defaults, which already give a callback its fastest way to the next
 * step: slots reserved for eager activity dispatch (`maxEagerActivityReservationsPerWorkflowTask`,
 * 3) and sticky pollers. Keep eager reservations above 0 in `workerOptions` (docs/operators.md,
 * "Latency").
 */
export function createCallbackWorker(options: CallbackWorkerOptions): Promise<Worker> {
  const workflows = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath: options.workflowsPath ?? require.resolve('../workflows/ready-made') };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...workflows,
    ...(options.activities ? { activities: options.activities } : {}),
    plugins: [durableCallbacks(options.callbacks), ...(options.plugins ?? [])],
    ...(options.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: options.maxCachedWorkflows }),
    ...options.workerOptions,
  });
}
