import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { seconds } from '../../../test/support/async';
import { mapLimit } from '../../../test/support/pool';
import type { ManagedProcess } from '../../../test/support/processes';
import {
  startGateway as spawnGateway,
  startWorker as spawnWorker,
  type GatewayOptions,
  type GatewayProcess,
  type ServiceSettings,
  type WorkerOptions,
  type WorkerProcess,
} from './services';
import { errorText, verifyCallbacks, type DeliveryOutcome, type ScenarioCounts, type VerifiedWait, type VerifyOptions } from './verify';
import { startWaitingWorkflows, type WaitingCallback } from './workflows';

/** One fault scenario: what it does, and how. */
export interface Scenario {
  /** The name on the command line and in the final line, e.g. `worker-down`. */
  name: string;
  /** One sentence on what it proves. */
  summary: string;
  run(ctx: ScenarioContext): Promise<ScenarioCounts>;
}

/** A gateway a scenario starts: its name, or its name and options; its port comes from its place in the list. */
export type GatewaySpec = string | ({ name: string } & Omit<GatewayOptions, 'name' | 'port'>);
/** A worker a scenario starts: its name, or its options. */
export type WorkerSpec = string | WorkerOptions;

/** What {@link ScenarioContext.setUp} starts. */
export interface ScenarioSetup<G extends readonly GatewaySpec[], W extends readonly WorkerSpec[]> {
  /** At most two: the first on `gatewayPorts[0]`, the one the workers mint URLs for; the second on `gatewayPorts[1]`. */
  gateways: G;
  workers: W;
  /** Waiting `awaitCallback` workflows to start once every process runs (none unless set). */
  workflows?: number;
  /** How many of them start at once (25 unless set). */
  concurrency?: number;
}

/** The processes and workflows {@link ScenarioContext.setUp} started, in the order asked for. */
export interface ScenarioStarted<G extends readonly unknown[], W extends readonly unknown[]> {
  gateways: { -readonly [K in keyof G]: GatewayProcess };
  workers: { -readonly [K in keyof W]: WorkerProcess };
  /** The gateways' URLs, in the same order. */
  urls: string[];
  callbacks: WaitingCallback[];
}

/**
 * A scenario that declares the processes and workflows it needs: they are started (see
 * {@link ScenarioContext.setUp}) before `run` is called with them.
 */
export function defineScenario<const G extends readonly GatewaySpec[], const W extends readonly WorkerSpec[]>(definition: {
  name: string;
  summary: string;
  setup: ScenarioSetup<G, W>;
  run(ctx: ScenarioContext, started: ScenarioStarted<G, W>): Promise<ScenarioCounts>;
}): Scenario {
  return { name: definition.name, summary: definition.summary, run: async (ctx) => definition.run(ctx, await ctx.setUp(definition.setup)) };
}

/** What the suite shares with every scenario. */
export interface SuiteResources {
  client: Client;
  signingSecret: string;
  logDir: string;
}

/** Everything a scenario works with; processes it starts are ended by {@link ScenarioContext.cleanup}. */
export class ScenarioContext {
  readonly taskQueue: string;
  /** The scenario's gateway ports: the first is the one the workers mint URLs for. */
  readonly gatewayPorts: readonly [number, number];
  readonly settings: ServiceSettings;
  /** Broken expectations; any fails the scenario. */
  readonly problems: string[] = [];
  private readonly processes: ManagedProcess[] = [];
  private readonly startedAt = Date.now();

  constructor(
    readonly name: string,
    private readonly suite: SuiteResources,
    gatewayPorts: readonly [number, number],
  ) {
    this.taskQueue = `faults-${name}-${randomUUID().slice(0, 8)}`;
    this.gatewayPorts = gatewayPorts;
    this.settings = {
      taskQueue: this.taskQueue,
      signingSecret: suite.signingSecret,
      logDir: suite.logDir,
      callbackBaseUrl: `http://127.0.0.1:${gatewayPorts[0]}`,
    };
  }

  get client(): Client {
    return this.suite.client;
  }

  /** Milliseconds since the scenario started. */
  elapsed(): number {
    return Date.now() - this.startedAt;
  }

  /** Prints one step of the scenario. */
  step(message: string): void {
    console.log(`[${this.name} ${seconds(this.elapsed()).padStart(7)}] ${message}`);
  }

  /** Records (and prints) a broken expectation. */
  problem(message: string): void {
    this.problems.push(message);
    this.step(`PROBLEM: ${message}`);
  }

  /** Records a problem unless `condition` holds; prints the check either way. */
  check(condition: boolean, message: string): void {
    if (condition) this.step(`ok: ${message}`);
    else this.problem(`expected: ${message}`);
  }

  /** Starts a worker on the scenario's task queue, named `<scenario>-<name>`. */
  async startWorker(options: WorkerOptions): Promise<WorkerProcess> {
    const started = Date.now();
    const worker = await spawnWorker(this.settings, { ...options, name: `${this.name}-${options.name}` });
    this.processes.push(worker);
    this.step(`${options.name} running (pid ${worker.pid}, ready in ${seconds(Date.now() - started)})`);
    return worker;
  }

  /** Starts a gateway, named `<scenario>-<name>`, and waits until it is ready. */
  async startGateway(options: GatewayOptions): Promise<GatewayProcess> {
    const started = Date.now();
    const gateway = await spawnGateway(this.settings, { ...options, name: `${this.name}-${options.name}` });
    this.processes.push(gateway);
    this.step(`${options.name} listening on ${gateway.url} (pid ${gateway.pid}, ready in ${seconds(Date.now() - started)})`);
    return gateway;
  }

  /**
   * The prologue most scenarios share: starts the gateways and workers at once, then (when asked)
   * the waiting workflows, e.g.
   * `const { gateways: [a, b], workers: [worker], callbacks } = await ctx.setUp({ gateways: ['gateway-a', 'gateway-b'], workers: ['worker'], workflows: 200 })`.
   */
  async setUp<const G extends readonly GatewaySpec[], const W extends readonly WorkerSpec[]>(setup: ScenarioSetup<G, W>): Promise<ScenarioStarted<G, W>> {
    if (setup.gateways.length > this.gatewayPorts.length) throw new Error(`a scenario has ${this.gatewayPorts.length} gateway ports; ${setup.gateways.length} gateways asked for`);
    const gateways = setup.gateways.map((spec, index) => {
      const options = typeof spec === 'string' ? { name: spec } : spec;
      return this.startGateway({ ...options, port: this.gatewayPorts[index]! });
    });
    const workers = setup.workers.map((spec) => this.startWorker(typeof spec === 'string' ? { name: spec } : spec));
    const [startedGateways, startedWorkers] = await Promise.all([Promise.all(gateways), Promise.all(workers)]);
    const callbacks = setup.workflows ? await this.startWorkflows(setup.workflows, setup.concurrency) : [];
    return {
      gateways: startedGateways as ScenarioStarted<G, W>['gateways'],
      workers: startedWorkers as ScenarioStarted<G, W>['workers'],
      urls: startedGateways.map((gateway) => gateway.url),
      callbacks,
    };
  }

  /** How many of `callbacks`' workflows still run (wait), asking `concurrency` at a time. */
  async countRunning(callbacks: readonly Pick<VerifiedWait, 'handle'>[], concurrency: number): Promise<number> {
    const statuses = await mapLimit(callbacks, concurrency, async (callback) => (await callback.handle.describe()).status.name);
    return statuses.filter((status) => status === 'RUNNING').length;
  }

  /** Starts `count` waiting `awaitCallback` workflows and reads their URLs. */
  async startWorkflows(count: number, concurrency = 25): Promise<WaitingCallback[]> {
    const started = Date.now();
    this.step(`starting ${count} awaitCallback workflows, ${concurrency} at a time`);
    let retries = 0;
    const callbacks = await startWaitingWorkflows({
      client: this.client,
      taskQueue: this.taskQueue,
      idPrefix: this.name,
      count,
      concurrency,
      urlTimeoutMs: 180_000,
      onProgress: (ready) => this.step(`  ${ready}/${count} waiting with their URLs`),
      onRetry: (err) => {
        if (retries++ === 0) this.step(`  note: reading a URL failed (${errorText(err)}); trying again`);
      },
    });
    this.step(`${count} workflows wait for their callbacks (${seconds(Date.now() - started)}${retries ? `; ${retries} URL reads tried again` : ''})`);
    return callbacks;
  }

  /** Checks every workflow against what the senders were told; see {@link verifyCallbacks}. */
  verify(callbacks: readonly VerifiedWait[], deliveries: readonly DeliveryOutcome[], options: Partial<Pick<VerifyOptions, 'completionTimeoutMs' | 'queryConcurrency' | 'queryAfterAll'>> = {}): Promise<ScenarioCounts> {
    return verifyCallbacks(callbacks, deliveries, {
      client: this.client,
      completionTimeoutMs: 150_000,
      queryConcurrency: 16,
      queryAfterAll: false,
      ...options,
      say: (message) => this.step(message),
      problem: (message) => this.problem(message),
    });
  }

  /** The last lines of every process the scenario started, for a failure report. */
  tails(lines: number): string[] {
    return this.processes.flatMap((process) => [`--- ${process.name} (${process.logFile}), last ${lines} lines:`, ...process.tail(lines)]);
  }

  /** SIGKILLs whatever the scenario started that still runs, and waits until it is gone. */
  async cleanup(): Promise<void> {
    await Promise.all(this.processes.filter((process) => process.isRunning()).map((process) => process.kill()));
  }
}
