import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';

/** Options for {@link createCallbackWorker}. */
export interface CallbackWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** The callback activities (from `loadCallbackActivities`) plus any of your own. */
  activities: object;
  /** A pre-built workflow bundle; by default the workflows in `workflows/registry.ts` are bundled at startup. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Passed to the worker; lower values trade memory for replays. */
  maxCachedWorkflows?: number;
  /** E.g. payload encryption (`temporalDataConverter`); must match the clients'. */
  dataConverter?: WorkerOptions['dataConverter'];
}

/**
 * Creates the worker that runs this package's workflows (`awaitCallback`, `ticketTriage`) and
 * the activities given. Call `run()` on the result.
 */
export function createCallbackWorker(options: CallbackWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: require.resolve('../workflows/registry') }),
    ...(options.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: options.maxCachedWorkflows }),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
}
