import { performance } from 'node:perf_hooks';
import type { WorkflowHandle } from '@temporalio/client';
import type { benchMint, MintWith } from './workflows';
import type { BenchContext } from './support/context';
import { summarize, type Summary } from './support/stats';

/** Options for {@link runMinting}. */
export interface MintingOptions {
  /** Callbacks each workflow mints, in sequence. */
  perWorkflow: number;
  /** Measured workflows per mode. */
  workflows: number;
  /** Unmeasured workflows per mode first. */
  warmup: number;
}

/** One mode's figures, ms. */
export interface MintingModeResult {
  /** Time between the starts of consecutive `generateCallbackUrl` runs of one workflow: one mint as the workflow sees it. */
  interval: Summary;
  /** Per workflow, from its history: (last workflow task completed − first workflow task started) / mints. */
  historyPerMint: Summary;
  /** Per workflow, client start to result. */
  wall: Summary;
  /** History events per workflow (median). */
  events: number;
}

/** What {@link runMinting} measured. */
export interface MintingResult {
  options: MintingOptions;
  modes: Record<MintWith, MintingModeResult>;
  /** Local over regular activity, by median interval: below 1 means local activities mint faster. */
  intervalRatio: number;
  historyRatio: number;
}

/** The default: 15 measured workflows of 20 mints per mode, after 3 warm-ups. */
export const MINTING_DEFAULTS: MintingOptions = { perWorkflow: 20, workflows: 15, warmup: 3 };

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

function eventMs(event: HistoryEvent): number {
  const time = event.eventTime;
  return Number(time?.seconds?.toString() ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6;
}

/** (last workflow task completed − first workflow task started) / mints, from the history. */
function historyPerMint(events: HistoryEvent[], mints: number): number {
  const started = events.find((event) => event.workflowTaskStartedEventAttributes);
  const completed = events.filter((event) => event.workflowTaskCompletedEventAttributes).pop();
  if (!started || !completed) return NaN;
  return (eventMs(completed) - eventMs(started)) / mints;
}

/**
 * Benchmark 4. Minting as a local activity vs as a regular activity, as the workflow sees it: a
 * workflow mints `perWorkflow` callbacks in sequence and returns. Workflows of both modes
 * alternate, one at a time.
 */
export async function runMinting(ctx: BenchContext, options: MintingOptions = MINTING_DEFAULTS): Promise<MintingResult> {
  const modes: MintWith[] = ['activity', 'localActivity'];
  const samples = Object.fromEntries(modes.map((mode) => [mode, { interval: [] as number[], history: [] as number[], wall: [] as number[], events: [] as number[] }])) as Record<
    MintWith,
    { interval: number[]; history: number[]; wall: number[]; events: number[] }
  >;
  const total = options.warmup + options.workflows;
  for (let i = 0; i < total; i++) {
    const order = i % 2 === 0 ? modes : [...modes].reverse();
    for (const mode of order) {
      const workflowId = `${ctx.runId}-mint-${mode}-${i}`;
      const started = performance.now();
      await ctx.client.workflow.execute<typeof benchMint>('benchMint', {
        taskQueue: ctx.taskQueue,
        workflowId,
        args: [{ count: options.perWorkflow, mintWith: mode }],
      });
      const wall = performance.now() - started;
      const mints = ctx.mintLog.get(workflowId) ?? [];
      ctx.mintLog.delete(workflowId);
      if (i < options.warmup) continue;
      if (mints.length !== options.perWorkflow) ctx.log(`minting: ${workflowId} ran generateCallbackUrl ${mints.length} times for ${options.perWorkflow} mints (retries?)`);
      for (let k = 1; k < mints.length; k++) samples[mode].interval.push(mints[k]! - mints[k - 1]!);
      const history = await ctx.client.workflow.getHandle(workflowId).fetchHistory();
      const events = history.events ?? [];
      samples[mode].history.push(historyPerMint(events, options.perWorkflow));
      samples[mode].events.push(events.length);
      samples[mode].wall.push(wall);
    }
  }
  const resultOf = (mode: MintWith): MintingModeResult => ({
    interval: summarize(samples[mode].interval),
    historyPerMint: summarize(samples[mode].history),
    wall: summarize(samples[mode].wall),
    events: summarize(samples[mode].events).p50,
  });
  const result = { activity: resultOf('activity'), localActivity: resultOf('localActivity') };
  return {
    options,
    modes: result,
    intervalRatio: result.localActivity.interval.p50 / result.activity.interval.p50,
    historyRatio: result.localActivity.historyPerMint.p50 / result.activity.historyPerMint.p50,
  };
}
