import { performance } from 'node:perf_hooks';
import { CompleteAsyncError, Context } from '@temporalio/activity';
import { deferred, type Deferred } from '../../../test/support/async';
import type { BenchProbeActivities, BenchReadyInfo } from '../workflows';

/** Where the bench workflows' probes report: in process ({@link Probe}) or over IPC. */
export interface ProbeSink {
  ready(info: BenchReadyInfo): void;
  /** `at`: when the next step ran, as `performance.timeOrigin + performance.now()` of the worker's process. */
  resumed(key: string, status: string, at: number): void;
}

/** Wall-clock ms with sub-ms precision, comparable between processes on one machine. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The probe activities, reporting to `sink`. */
export function probeActivities(sink: ProbeSink): BenchProbeActivities {
  return {
    async benchReady(info) {
      sink.ready({ ...info, readyAt: epochNow() });
    },
    async benchResumed({ key, status }) {
      sink.resumed(key, status, epochNow());
    },
    async benchAwaitCompletion({ key }) {
      const taskToken = Buffer.from(Context.current().info.taskToken).toString('base64');
      sink.ready({ key, url: '', callbackId: '', taskToken });
      throw new CompleteAsyncError();
    },
  };
}

/** When a workflow resumed (`performance.now()` of the driver's process) and how its wait ended. */
export interface Resumed {
  at: number;
  status: string;
}

interface Entry {
  ready: Deferred<BenchReadyInfo>;
  resumed: Deferred<Resumed>;
}

/**
 * The driver's view of its bench workflows: a promise per workflow key for "minted and waiting"
 * and one for "resumed", resolved by the probe activities.
 */
export class Probe implements ProbeSink {
  private readonly entries = new Map<string, Entry>();
  /** How many workflows reported ready / resumed (duplicates from retried probes not counted). */
  readyCount = 0;
  resumedCount = 0;

  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { ready: deferred(), resumed: deferred() };
      this.entries.set(key, entry);
    }
    return entry;
  }

  ready(info: BenchReadyInfo): void {
    const entry = this.entry(info.key);
    if (entry.ready.settled) return;
    this.readyCount++;
    entry.ready.resolve(info);
  }

  resumed(key: string, status: string, atEpoch = epochNow()): void {
    const at = atEpoch - performance.timeOrigin;
    const entry = this.entry(key);
    if (entry.resumed.settled) return;
    this.resumedCount++;
    entry.resumed.resolve({ at, status });
  }

  /** Resolves once the workflow `key` minted its URL and is about to wait. */
  whenReady(key: string): Promise<BenchReadyInfo> {
    return this.entry(key).ready.promise;
  }

  /** Resolves once the workflow `key` ran its step after the wait. */
  whenResumed(key: string): Promise<Resumed> {
    return this.entry(key).resumed.promise;
  }

  /** Drops what is known about `key`. */
  forget(key: string): void {
    this.entries.delete(key);
  }
}
