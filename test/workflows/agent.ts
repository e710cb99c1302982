/**
 * An AI SDK agent run as a workflow through `@temporalio/ai-sdk`, for the tool-approval tests.
 * Kept out of `./index.ts`: the AI SDK needs the Web-API globals `AiSdkPlugin` puts into the
 * bundle, so this file is bundled by a worker with that plugin.
 */
import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import { temporalProvider } from '@temporalio/ai-sdk/workflow';
import { generateText, stepCountIs, tool } from 'ai';
import { z } from 'zod';
import { withApproval, type ToolApprovalOptions } from '../../workflows';

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
  const activities = proxyActivities<AgentActivities>({ startToCloseTimeout: '1 minute' });
  const urls: Record<string, string> = {};
  setHandler(agentApprovalUrlsQuery, () => urls);
  const onApprovalRequested = (approval: { url: string }, call: { toolCallId: string }) => void (urls[call.toolCallId] = approval.url);
  const tools = {
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
  const result = await generateText({ model: temporalProvider.languageModel('scripted'), prompt: input.prompt, tools, stopWhen: stepCountIs(10) });
  return { text: result.text, steps: result.steps.length };
}
