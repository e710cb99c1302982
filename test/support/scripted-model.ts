import type { LanguageModelV4CallOptions, LanguageModelV4GenerateResult, LanguageModelV4Prompt, ProviderV4 } from '@ai-sdk/provider';
import { MockLanguageModelV4, MockProviderV4 } from 'ai/test';

/** One tool call a scripted model makes. */
export interface ScriptedCall {
  id: string;
  tool: string;
  args: Record<string, unknown>;
}

/** The tool results a model received in one call, by tool call id. */
export type ReceivedResults = Record<string, unknown>;

/**
 * A model for agent tests, with no network: the AI SDK's own test model (`MockLanguageModelV4`
 * from `ai/test`), scripted by the prompt. The prompt is `JSON.stringify({ script, steps })`:
 * the model's n-th reply makes the tool calls of `steps[n]`, and once they are used up it answers
 * with the text `done`. Stateless (the step is the count of the model's earlier replies in the
 * prompt), so a replay or a retried activity answers the same. Every call's tool results are kept
 * by script name, to assert on what the model received.
 */
export class ScriptedModel {
  /** The tool results each model call received, by script name, in call order. */
  readonly received = new Map<string, ReceivedResults[]>();
  /** The AI SDK provider that serves the model as `scripted`, for `AiSdkPlugin({ modelProvider })`. */
  readonly provider: ProviderV4;

  constructor() {
    const model = new MockLanguageModelV4({ doGenerate: async (options) => this.reply(options) });
    this.provider = new MockProviderV4({ languageModels: { scripted: model } });
  }

  /** The prompt that scripts an agent run named `script` to make `steps`' calls. */
  static prompt(script: string, steps: ScriptedCall[][]): string {
    return JSON.stringify({ script, steps });
  }

  /** What the model received after its `n`-th reply (0-based) in script `script`. */
  resultsAfter(script: string, n: number): ReceivedResults | undefined {
    return this.received.get(script)?.[n + 1];
  }

  private reply(options: LanguageModelV4CallOptions): LanguageModelV4GenerateResult {
    const { script, steps } = scriptOf(options.prompt);
    const results: ReceivedResults = {};
    for (const message of options.prompt) {
      if (message.role !== 'tool') continue;
      for (const part of message.content) if (part.type === 'tool-result') results[part.toolCallId] = part.output.type === 'json' ? part.output.value : part.output;
    }
    const seen = this.received.get(script) ?? [];
    const step = options.prompt.filter((message) => message.role === 'assistant').length;
    // The same step asked again (a retried activity) replaces what it received.
    seen[step] = results;
    this.received.set(script, seen);
    const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } };
    const calls = steps[step];
    if (!calls) return { content: [{ type: 'text', text: 'done' }], finishReason: { unified: 'stop', raw: undefined }, usage, warnings: [] };
    return {
      content: calls.map((call) => ({ type: 'tool-call', toolCallId: call.id, toolName: call.tool, input: JSON.stringify(call.args) })),
      finishReason: { unified: 'tool-calls', raw: undefined },
      usage,
      warnings: [],
    };
  }
}

function scriptOf(prompt: LanguageModelV4Prompt): { script: string; steps: ScriptedCall[][] } {
  const first = prompt.find((message) => message.role === 'user');
  const text = first?.content.find((part) => part.type === 'text');
  if (!text || text.type !== 'text') throw new Error('The scripted model needs a user prompt made by ScriptedModel.prompt.');
  return JSON.parse(text.text) as { script: string; steps: ScriptedCall[][] };
}
