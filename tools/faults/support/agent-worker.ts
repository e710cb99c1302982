import { appendFileSync } from 'node:fs';
import { AiSdkPlugin } from '@temporalio/ai-sdk';
import { runMain } from '../../../config/run-main';
import { runWorker } from '../../../worker/main';
import { ScriptedModel } from '../../../test/support/scripted-model';
import type { AgentActivities } from '../../../test/workflows/agent';
import { AGENT_RUNS_FILE_ENV } from './agent-runs';


/**
 * The agent drill's worker: `worker/main.ts` with the tests' AI SDK agent (`test/workflows/agent.ts`),
 * the AI SDK's test model scripted by the prompt, and tools that record each run in a file.
 */
runMain(() => {
  const runsFile = process.env[AGENT_RUNS_FILE_ENV];
  if (!runsFile) throw new Error(`Set ${AGENT_RUNS_FILE_ENV} to the file the drill's tools record their runs in.`);
  const activities: AgentActivities = {
    async diskUsage(host) {
      appendFileSync(runsFile, `diskUsage ${host}\n`);
      return { host, usedPercent: 42 };
    },
    async restartService(host, service) {
      appendFileSync(runsFile, `restartService ${host}\n`);
      return { restarted: `${service}@${host}` };
    },
  };
  return runWorker({ workflowsPath: require.resolve('../../../test/workflows/agent'), plugins: [new AiSdkPlugin({ modelProvider: new ScriptedModel().provider })], activities });
});
