/**
 * An AI SDK agent run as a workflow through `@temporalio/ai-sdk`, for the tool-approval tests.
 * Kept out of `./index.ts`: the AI SDK needs the Web-API globals `AiSdkPlugin` puts into the
 * bundle, so this file is bundled by a worker with that plugin.
 */
import { condition, continueAsNew, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import { temporalProvider } from '@temporalio/ai-sdk/workflow';
import { generateText, stepCountIs, tool } from 'ai';
import { z } from 'zod';
import {
  callbackSnapshot,
  restoreCallbacks,
  resumeToolCalls,
  toolCallsSnapshot,
  withApproval,
  type CallbackSnapshot,
  type ToolApprovalOptions,
  type ToolCallsSnapshot,
} from '../../workflows';

/** What the agent's tools do, as activities (the test counts their runs). */
export interface AgentActivities {
  diskUsage(host: string): Promise<{ host: string; usedPercent: number }>;
  restartService(host: string, service: string): Promise<{ restarted: string }>;
}

/** The approval URLs of the agent's calls, by tool call id. */
export const agentApprovalUrlsQuery = defineQuery<Record<string, string>>('agentApprovalUrls');

/** Input of {@link opsAgent}. */
export interface OpsAgentInput {
  /** The prompt; the tests' scripted model reads its script from it. */
  prompt: string;
  /** How `restartService` calls are approved. */
  approval: Omit<ToolApprovalOptions<unknown>, 'name' | 'title' | 'summary' | 'autoApprove' | 'onApprovalRequested'>;
}

/** An operations agent: `diskUsage` is read-only (approved by policy), `restartService` needs a person. */
export async function opsAgent(input: OpsAgentInput): Promise<{ text: string; steps: number }> {
  const urls: Record<string, string> = {};
  setHandler(agentApprovalUrlsQuery, () => urls);
  const tools = opsTools(input, urls);
  const result = await generateText({ model: temporalProvider.languageModel('scripted'), prompt: input.prompt, tools, stopWhen: stepCountIs(10) });
  return { text: result.text, steps: result.steps.length };
}

/** Asks {@link rollingOpsAgent} to continue as new now, while its calls wait. */
export const rollSignal = defineSignal('roll');

/** Input of {@link rollingOpsAgent}: the agent's, and in the second run what the first carried. */
export interface RollingOpsAgentInput extends OpsAgentInput {
  carried?: { calls: ToolCallsSnapshot; callbacks: CallbackSnapshot };
}

/**
 * {@link opsAgent} that continues as new on `roll` while its first step's calls wait for approval,
 * carrying them (`toolCallsSnapshot`, `callbackSnapshot`); the next run resumes them
 * (`restoreCallbacks`, `resumeToolCalls`) and gives the model what they came to.
 */
export async function rollingOpsAgent(input: RollingOpsAgentInput): Promise<{ text: string; steps: number; run: number }> {
  const urls: Record<string, string> = {};
  setHandler(agentApprovalUrlsQuery, () => urls);
  const tools = opsTools(input, urls);
  const model = temporalProvider.languageModel('scripted');
  if (input.carried) {
    const restored = restoreCallbacks(input.carried.callbacks);
    for (const call of input.carried.calls.calls) {
      const callback = restored.find((each) => each.id === call.approvalId);
      if (callback && 'url' in callback) urls[call.toolCallId] = callback.url;
    }
    const resumed = await resumeToolCalls(tools, input.carried.calls);
    const result = await generateText({ model, messages: [{ role: 'user', content: input.prompt }, ...resumed], tools, stopWhen: stepCountIs(10) });
    return { text: result.text, steps: result.steps.length, run: 2 };
  }
  let roll = false;
  setHandler(rollSignal, () => void (roll = true));
  const turn = generateText({ model, prompt: input.prompt, tools, stopWhen: stepCountIs(10) });
  const finished = await Promise.race([turn.then(() => true), condition(() => roll).then(() => false)]);
  if (!finished) return continueAsNew<typeof rollingOpsAgent>({ ...input, carried: { calls: toolCallsSnapshot(), callbacks: callbackSnapshot() } });
  const result = await turn;
  return { text: result.text, steps: result.steps.length, run: 1 };
}

function opsTools(input: OpsAgentInput, urls: Record<string, string>) {
  const activities = proxyActivities<AgentActivities>({ startToCloseTimeout: '1 minute' });
  const onApprovalRequested = (approval: { url: string }, call: { toolCallId: string }) => void (urls[call.toolCallId] = approval.url);
  return {
    diskUsage: withApproval(
      tool({ description: 'How full a host’s disk is', inputSchema: z.object({ host: z.string() }), execute: ({ host }) => activities.diskUsage(host) }),
      { name: 'diskUsage', ...input.approval, autoApprove: () => 'read-only query', onApprovalRequested },
    ),
    restartService: withApproval(
      tool({
        description: 'Restart a service on a host',
        inputSchema: z.object({ host: z.string(), service: z.string() }),
        execute: ({ host, service }) => activities.restartService(host, service),
      }),
      { name: 'restartService', ...input.approval, onApprovalRequested },
    ),
  };
}
