/** The worker (Node only). */
export { createCallbackWorker, type CallbackWorkerOptions } from './create-worker';
