import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describeExit } from '../../../test/support/processes';
import { mapLimit } from '../../../test/support/pool';
import { sleep } from '../../../test/support/async';
import { ScriptedModel } from '../../../test/support/scripted-model';
import { agentApprovalUrlsQuery, type opsAgent } from '../../../test/workflows/agent';
import { AGENT_RUNS_FILE_ENV } from '../support/agent-runs';
import { FAULTS_DATA_DIR } from '../support/paths';
import { defineScenario } from '../support/scenario';
import { errorText } from '../support/verify';

/** How often one vote is sent while it is answered 503. */
const VOTE_ATTEMPTS = 6;

/** Agents in the drill, each with one tool call waiting for a person. */
const AGENTS = 10;
/** Bound on reading an agent's approval URL (the first worker bundles the AI SDK first). */
const URL_TIMEOUT_MS = 120_000;

/**
 * An AI agent's tool call waiting for a person when its worker is SIGKILLed. Ten agents (the
 * tests' `opsAgent`, the AI SDK's test model scripted to call `restartService` once each) wait
 * for approval; worker-1 is SIGKILLed; worker-2 starts; each call is approved through the
 * gateway. Every agent must finish, and every approved tool must have run exactly once (the
 * tools record their runs in a file, across both workers).
 */
export const agentWorkerKilled = defineScenario({
  name: 'agent-worker-killed',
  summary: "an AI agent's tool calls waiting for approval when the worker is SIGKILLed: a new worker resumes them, and each tool runs exactly once after its approval",
  setup: { gateways: ['gateway'], workers: [] },
  async run(ctx, { gateways: [gateway] }) {
    const runsFile = path.join(FAULTS_DATA_DIR, `agent-runs-${randomBytes(6).toString('hex')}.log`);
    await fs.writeFile(runsFile, '');
    const env = { [AGENT_RUNS_FILE_ENV]: runsFile };
    const first = await ctx.startWorker({ name: 'worker-1', workflows: 'agents', env });

    ctx.step(`starting ${AGENTS} agents, each calling restartService once`);
    const agents = await mapLimit(
      Array.from({ length: AGENTS }, (_, index) => index),
      5,
      async (index) => {
        const host = `host-${index}`;
        const prompt = ScriptedModel.prompt(`${ctx.name}-${index}`, [[{ id: 'c1', tool: 'restartService', args: { host, service: 'nginx' } }]]);
        const handle = await ctx.client.workflow.start<typeof opsAgent>('opsAgent', {
          taskQueue: ctx.taskQueue,
          workflowId: `${ctx.name}-${index}-${randomBytes(4).toString('hex')}`,
          args: [{ prompt, approval: { allowLinkHolders: true, timeout: '30m' } }],
        });
        const deadline = Date.now() + URL_TIMEOUT_MS;
        let url: string | undefined;
        while (!(url = (await handle.query(agentApprovalUrlsQuery).catch(() => ({}) as Record<string, string>)).c1)) {
          if (Date.now() > deadline) throw new Error(`agent ${handle.workflowId} asked for no approval in time`);
          await sleep(250);
        }
        return { host, handle, url: url.replace(/^https?:\/\/[^/]+/, gateway.url) };
      },
    );
    ctx.step(`${AGENTS} tool calls wait for approval`);

    ctx.step('SIGKILL to worker-1 (its whole process group)');
    ctx.step(`worker-1 gone (${describeExit(await first.kill())})`);
    await ctx.startWorker({ name: 'worker-2', workflows: 'agents', env });

    ctx.step('approving each call through the gateway (a vote answered 503, no worker judged it in time, is sent again with the same Idempotency-Key)');
    const votes = await mapLimit(agents, 5, async (agent) => {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < VOTE_ATTEMPTS; attempt += 1) {
        const response = await fetch(agent.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `vote-${agent.handle.workflowId}` },
          body: JSON.stringify({ decision: 'approve' }),
          signal: AbortSignal.timeout(30_000),
        }).catch((err: unknown) => ({ status: 0, error: errorText(err), arrayBuffer: async () => undefined }));
        await response.arrayBuffer();
        statuses.push(response.status);
        if (response.status !== 503 && response.status !== 0) break;
      }
      return statuses;
    });
    const retried = votes.filter((statuses) => statuses.length > 1).length;
    const accepted = votes.filter((statuses) => statuses.at(-1) === 200).length;
    ctx.check(votes.every((statuses) => statuses.slice(0, -1).every((status) => status === 503 || status === 0)), 'no vote was refused: the only answers before a 200 were 503 (retry)');
    ctx.check(accepted === AGENTS, `every approval was answered 200 in the end (${accepted}/${AGENTS}; ${retried} after a 503 while the new worker took over)`);

    const results = await mapLimit(agents, 5, (agent) => agent.handle.result().catch((err: unknown) => ({ text: errorText(err), steps: 0 })));
    const done = results.filter((result) => result.text === 'done').length;
    ctx.check(done === AGENTS, `every agent finished after its tool call (${done}/${AGENTS})`);
    const runs = (await fs.readFile(runsFile, 'utf8')).split('\n').filter(Boolean);
    const runsOf = (host: string) => runs.filter((line) => line === `restartService ${host}`).length;
    const once = agents.filter((agent) => runsOf(agent.host) === 1).length;
    const twice = agents.filter((agent) => runsOf(agent.host) > 1).length;
    ctx.check(once === AGENTS, `every approved tool ran exactly once (${once}/${AGENTS})`);
    await fs.rm(runsFile, { force: true });
    return { sent: AGENTS, accepted, resumed: once, lost: AGENTS - done, appliedTwice: twice };
  },
});
