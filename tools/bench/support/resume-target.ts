import type http from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { freePort, type DevServer } from '../../../test/support/dev-server';
import type { BenchWorkerTuning } from './bench-worker';
import type { BenchContext } from './context';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';
import { Probe } from './probe';
import { startWorkerHost, type WorkerHost } from './worker-host';

/**
 * Where the resume benchmarks deliver: one Temporal server, the gateway that signals it, and a
 * worker in its own process (so each one's CPU is counted apart), polling its own task queue.
 */
export interface ResumeTarget {
  /** Short name used in arm names and CPU columns: `tuned`, `stock`, ... */
  name: string;
  client: Client;
  taskQueue: string;
  agent: http.Agent;
  /** A gateway on `NativeConnection` to the same server, when this target has one. */
  gatewayNative?: GatewayProcess;
  probe: Probe;
  /** The target's processes by role (`temporal`, `gateway`, `worker`, ...), for CPU accounting. */
  pids: Record<string, number>;
  /** `/metrics` of the server and of the worker, when they serve one. */
  metrics: { server?: string; worker?: string };
}

/** Options for {@link startResumeTarget}. */
export interface ResumeTargetOptions {
  name: string;
  /** The server: reused when `server` is the run's main one (`started`), else started fresh here. */
  server: DevServer;
  started?: boolean;
  /** Worker options over the product's defaults. */
  tuning?: BenchWorkerTuning;
  /** The worker's task queue, when the caller needs it first (e.g. for a gateway's webhook mailboxes); default `<runId>-resume-<name>`. */
  taskQueue?: string;
  /** Its worker mints tokens without their execution chain: the baseline of the chain check's cost. */
  chainlessTokens?: boolean;
  /** Its server and gateway are the named target's: their CPU is counted there, not twice. */
  sharesProcessesWith?: string;
  /** The run's gateway for this server, when it has one already (else one is started here). */
  gateway?: GatewayProcess;
  gatewayNative?: GatewayProcess;
}

/** A target and what stops what {@link startResumeTarget} started. */
export interface StartedTarget {
  target: ResumeTarget;
  stop(): Promise<void>;
}

/** Starts (or reuses) a target's server, gateway and worker host for `ctx`'s bench run. */
export async function startResumeTarget(ctx: BenchContext, options: ResumeTargetOptions): Promise<StartedTarget> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((err: unknown) => ctx.log(`stopping target ${options.name}: ${String(err)}`));
  };
  try {
    const { server } = options;
    if (!options.started) {
      await server.startFresh((line) => ctx.log(`[${options.name}] ${line}`));
      stops.push(() => server.stop(() => undefined));
    }
    let gateway = options.gateway;
    if (!gateway) {
      gateway = await startGatewayProcess({
        mode: 'temporal',
        temporalAddress: server.address,
        namespace: server.namespace,
        signingKey: ctx.signingKeyBase64,
        identity: ctx.identity,
        logs: 'silent',
      });
      stops.push(() => gateway!.close());
    }
    const connection = await Connection.connect({ address: server.address });
    stops.push(() => connection.close());
    const probe = new Probe();
    const taskQueue = options.taskQueue ?? `${ctx.runId}-resume-${options.name}`;
    const worker: WorkerHost = await startWorkerHost(
      {
        address: server.address,
        namespace: server.namespace,
        taskQueue,
        workflowBundlePath: ctx.workflowBundlePath,
        signingKey: ctx.signingKeyBase64,
        identity: ctx.identity,
        callbackBaseUrl: gateway.url,
        ...(options.tuning ? { tuning: options.tuning } : {}),
        ...(options.chainlessTokens ? { chainlessTokens: true } : {}),
        // Beside a server that serves metrics, the worker serves the SDK's.
        ...(server.metricsUrl ? { metricsPort: await freePort() } : {}),
      },
      probe,
    );
    stops.push(() => worker.stop());
    const target: ResumeTarget = {
      name: options.name,
      client: new Client({ connection, namespace: server.namespace }),
      taskQueue,
      agent: ctx.agent,
      ...(options.gatewayNative ? { gatewayNative: options.gatewayNative } : {}),
      probe,
      pids: options.sharesProcessesWith
        ? { worker: worker.pid }
        : {
            temporal: await server.pid(),
            gateway: gateway.pid,
            worker: worker.pid,
            ...(options.gatewayNative ? { gatewayNative: options.gatewayNative.pid } : {}),
          },
      metrics: {
        ...(server.metricsUrl ? { server: server.metricsUrl } : {}),
        ...(worker.metricsUrl ? { worker: worker.metricsUrl } : {}),
      },
    };
    return { target, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
