/**
 * The agent approval example's workflow: an IT-operations agent (the AI SDK, run by
 * `@temporalio/ai-sdk`) with a read-only tool its policy approves and a tool that changes
 * something, which a person of the approver group must approve first.
 */
import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { temporalProvider } from '@temporalio/ai-sdk/workflow';
import { generateText, stepCountIs, tool } from 'ai';
import { z } from 'zod';
// In your own project: import { withApproval } from 'durable-callbacks/workflows';
import { withApproval } from '../../workflows';
import type { OpsActivities } from './activities';

/** The approval URL of each tool call that waits for a person, by tool call id. */
export const approvalUrlsQuery = defineQuery<Record<string, string>>('approvalUrls');

/** Input of {@link itOpsAgent}. */
export interface ItOpsAgentInput {
  prompt: string;
  /** The group whose members may approve a change. */
  approverGroup: string;
  /** How long a change waits for a person. */
  timeout: Duration;
}

/** Runs the agent on `prompt` and returns its last answer. */
export async function itOpsAgent(input: ItOpsAgentInput): Promise<string> {
  const ops = proxyActivities<OpsActivities>({ startToCloseTimeout: '1 minute' });
  const urls: Record<string, string> = {};
  setHandler(approvalUrlsQuery, () => urls);
  const approval = { approvers: [{ group: input.approverGroup }], timeout: input.timeout, onApprovalRequested: (requested: { url: string }, call: { toolCallId: string }) => void (urls[call.toolCallId] = requested.url) };
  const tools = {
    diskUsage: withApproval(
      tool({ description: "How full a host's disks are", inputSchema: z.object({ host: z.string() }), execute: ({ host }) => ops.diskUsage(host) }),
      { name: 'diskUsage', ...approval, autoApprove: () => 'read-only query' },
    ),
    restartService: withApproval(
      tool({
        description: 'Restart a service on a host',
        inputSchema: z.object({ host: z.string(), service: z.string() }),
        execute: ({ host, service }) => ops.restartService(host, service),
      }),
      { name: 'restartService', ...approval, title: ({ host, service }) => `Restart ${service} on ${host}` },
    ),
  };
  const result = await generateText({ model: temporalProvider.languageModel('scripted'), prompt: input.prompt, tools, stopWhen: stepCountIs(5) });
  return result.text;
}
