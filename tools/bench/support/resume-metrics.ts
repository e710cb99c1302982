import { counter, difference, histogram, scrape, type Scrape } from './prometheus';
import type { ResumeTarget } from './resume-target';

/**
 * The Temporal server's and the worker's own metrics over a resume benchmark's samples: what each
 * hand-off waited for, by the component that made it wait.
 */

/** A histogram (or counter) read from the server's or the worker's `/metrics`. */
export interface MetricSpec {
  label: string;
  source: 'server' | 'worker';
  name: string;
  where?: Record<string, string>;
  kind?: 'counter';
}

/** The metrics that name each hand-off's wait. */
export const RESUME_METRICS: MetricSpec[] = [
  { label: 'history: transfer tasks handled', source: 'server', name: 'task_latency_load', where: { task_type: 'Transfer*' }, kind: 'counter' },
  { label: 'history: transfer task created → loaded (workflow task)', source: 'server', name: 'task_latency_load', where: { task_type: 'TransferActiveTaskWorkflowTask' } },
  { label: 'history: transfer task created → acked (workflow task)', source: 'server', name: 'task_latency_queue', where: { task_type: 'TransferActiveTaskWorkflowTask' } },
  { label: 'history: transfer task created → loaded (activity)', source: 'server', name: 'task_latency_load', where: { task_type: 'TransferActiveTaskActivity' } },
  { label: 'history: transfer task created → acked (activity)', source: 'server', name: 'task_latency_queue', where: { task_type: 'TransferActiveTaskActivity' } },
  { label: 'matching: sync match, workflow task (sticky)', source: 'server', name: 'syncmatch_latency', where: { operation: 'AddWorkflowTask', partition: '__sticky__' } },
  { label: 'matching: sync match, activity', source: 'server', name: 'syncmatch_latency', where: { operation: 'AddActivityTask' } },
  { label: 'matching: task schedule → start, activity', source: 'server', name: 'task_schedule_to_start_latency', where: { task_type: 'Activity' } },
  { label: 'frontend: SignalWorkflowExecution', source: 'server', name: 'service_latency', where: { service_name: 'frontend', operation: 'SignalWorkflowExecution' } },
  { label: 'frontend: UpdateWorkflowExecution', source: 'server', name: 'service_latency', where: { service_name: 'frontend', operation: 'UpdateWorkflowExecution' } },
  { label: 'frontend: RespondWorkflowTaskCompleted', source: 'server', name: 'service_latency', where: { service_name: 'frontend', operation: 'RespondWorkflowTaskCompleted' } },
  { label: 'frontend: RespondActivityTaskCompleted', source: 'server', name: 'service_latency', where: { service_name: 'frontend', operation: 'RespondActivityTaskCompleted' } },
  { label: 'persistence: UpdateWorkflowExecution', source: 'server', name: 'persistence_latency', where: { operation: 'UpdateWorkflowExecution' } },
  { label: 'worker: workflow task schedule → start', source: 'worker', name: 'temporal_workflow_task_schedule_to_start_latency' },
  { label: 'worker: workflow task execution', source: 'worker', name: 'temporal_workflow_task_execution_latency' },
  { label: 'worker: activity schedule → start', source: 'worker', name: 'temporal_activity_schedule_to_start_latency' },
  { label: 'worker: activity execution', source: 'worker', name: 'temporal_activity_execution_latency' },
  { label: 'worker: RespondWorkflowTaskCompleted call', source: 'worker', name: 'temporal_request_latency', where: { operation: 'RespondWorkflowTaskCompleted' } },
];

/** One histogram over the samples: observations and their mean, ms. */
export interface MetricFigure {
  count: number;
  meanMs: number;
}

/** Per target: each metric of {@link RESUME_METRICS} by label (a count for counters; undefined when not observed). */
export type ResumeMetrics = Record<string, Record<string, MetricFigure | number | undefined>>;

type Source = MetricSpec['source'];

/**
 * Adds up what the targets' metrics gained over every run of samples (so the workflow starts
 * between runs are left out); `beforeSamples`/`afterSamples` go around each run.
 */
export class SampleMetrics {
  private readonly before = new Map<string, Scrape>();
  private readonly gained = new Map<string, Scrape>();
  /** Wall ms spent in runs of samples. */
  sampleMs = 0;
  private began = 0;

  constructor(private readonly targets: ResumeTarget[]) {}

  private async each(fn: (key: string, scraped: Scrape) => void): Promise<void> {
    await Promise.all(
      this.targets.flatMap((target) =>
        (['server', 'worker'] as Source[]).map(async (source) => {
          const url = target.metrics[source];
          if (url) fn(`${target.name}/${source}`, await scrape(url));
        }),
      ),
    );
  }

  async beforeSamples(): Promise<void> {
    await this.each((key, scraped) => this.before.set(key, scraped));
    this.began = performance.now();
  }

  async afterSamples(): Promise<void> {
    this.sampleMs += performance.now() - this.began;
    await this.each((key, scraped) => {
      const gained = this.gained.get(key) ?? new Map<string, number>();
      for (const [line, delta] of difference(this.before.get(key)!, scraped)) gained.set(line, (gained.get(line) ?? 0) + delta);
      this.gained.set(key, gained);
    });
  }

  /** Each target's figures for {@link RESUME_METRICS}. */
  figures(): ResumeMetrics {
    return Object.fromEntries(
      this.targets.map((target) => [
        target.name,
        Object.fromEntries(
          RESUME_METRICS.map((spec) => {
            const window = this.gained.get(`${target.name}/${spec.source}`);
            if (!window) return [spec.label, undefined];
            if (spec.kind === 'counter') return [spec.label, counter(window, `${spec.name}_count`, spec.where)];
            const h = histogram(window, spec.name, spec.where, spec.source === 'server' ? 1000 : 1);
            return [spec.label, h ? { count: h.count, meanMs: h.meanMs } : undefined];
          }),
        ),
      ]),
    );
  }
}
