import { runMain } from '../../../config/run-main';
import { runWorker } from '../../../worker/main';

/** The vote drill's worker: `worker/main.ts` with `approval-workflows.ts`, configured by the same environment (it signs receipts too). */
runMain(() => runWorker({ workflowsPath: require.resolve('./approval-workflows') }));
