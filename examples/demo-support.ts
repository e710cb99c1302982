import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { loadDevServerConfig } from '../cli/config';
import { loadGatewayConfig } from '../callback-gateway/config';
import { loadTemporalConfig, type TemporalConfig } from '../config/temporal-config';
import { runMain } from '../config/run-main';
import { temporalDataConverter } from '../client/create-temporal-client';
import { loadWebhookSources } from '../callback-gateway/webhooks/webhook-sources';
import { webhookSourcesFileFor } from '../tools/scripts/demo-webhook-sources';
import { connectWorker } from '../worker';

/**
 * What every `npm run demo` shares: checking that `npm start` runs, connecting to its Temporal,
 * running the example's own worker in this process, printing steps, and cleaning up on exit or
 * Ctrl-C. Each example's `demo.ts` adds its stand-in for the outside world.
 */

/** After this long without a result, a demo says what to check. */
const SLOW_NOTICE_MS = 30_000;

/** Prints one step of a demo, stamped with the wall-clock time. */
export function print(message: string): void {
  console.log(`[${new Date().toLocaleTimeString('en-GB', { hour12: false })}] ${message}`);
}

/** A failure the demo explains itself: printed as its message alone, exit code 1. */
export class DemoError extends Error {}

/** What a demo cleans up (in reverse order) and the workflow it started, for the Ctrl-C message. */
export interface DemoRun {
  cleanups: Array<() => Promise<void>>;
  workflowId?: string;
}

/** A demo connected to `npm start`'s gateway and Temporal. */
export interface DemoContext {
  /** Where this machine reaches the gateway, e.g. http://127.0.0.1:8080. */
  gatewayUrl: string;
  temporal: TemporalConfig;
  uiPort: number;
  client: Client;
  workerConnection: NativeConnection;
}

/** The address to reach a locally listening server on, given the host it binds to. */
export function localBaseUrl(host: string, port: number): string {
  const local = ['127.0.0.1', '0.0.0.0', '::', 'localhost'].includes(host);
  return `http://${local ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${port}`;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** `npm run demo[ -- name]`, for the messages. */
export function demoCommand(name?: string): string {
  return `npm run demo${name ? ` -- ${name}` : ''}`;
}

function notRunning(name?: string): string {
  return `The service is not running: start it with \`npm start\` in another terminal, then run \`${demoCommand(name)}\` again.`;
}

/** Checks the gateway answers, connects a client and a worker connection to `npm start`'s Temporal. */
export async function connectDemo(run: DemoRun, name?: string): Promise<DemoContext> {
  const gateway = loadGatewayConfig();
  const temporal = loadTemporalConfig();
  const { uiPort } = loadDevServerConfig();
  const gatewayUrl = localBaseUrl(gateway.listen.host, gateway.listen.port);
  print(`checking the callback gateway at ${gatewayUrl}`);
  if (!(await answers(`${gatewayUrl}/healthz`))) throw new DemoError(notRunning(name));

  let connection: Connection;
  try {
    connection = await Connection.connect(temporal.connection);
  } catch (err) {
    throw new DemoError(`Could not connect to Temporal at ${temporal.connection.address} (${err instanceof Error ? err.message : String(err)}).\n${notRunning(name)}`);
  }
  run.cleanups.push(() => connection.close());
  // The example's own worker runs in this process: the library's worker (npm start) knows nothing of it.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const workerConnection = await connectWorker(temporal);
  run.cleanups.push(() => workerConnection.close());
  const dataConverter = await temporalDataConverter(temporal);
  const client = new Client({ connection, namespace: temporal.namespace, ...(dataConverter ? { dataConverter } : {}) });
  return { gatewayUrl, temporal, uiPort, client, workerConnection };
}

/** Runs `worker` until the demo cleans up. */
export function runWorkerUntilCleanup(run: DemoRun, worker: Worker): void {
  const running = worker.run();
  run.cleanups.push(async () => {
    worker.shutdown();
    await running;
  });
}

/** Prints where to follow a started workflow in the Temporal UI. */
export function printStarted(context: DemoContext, workflowType: string, workflowId: string, taskQueue: string): void {
  print(`workflow started: ${workflowType}, id ${workflowId}, task queue '${taskQueue}'`);
  const { namespace } = context.temporal;
  print(`follow it in the Temporal UI: http://localhost:${context.uiPort}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`);
}

/** The workflow's result; a failed workflow is a {@link DemoError}; a slow one gets a hint. */
export async function resultOf<R>(handle: WorkflowHandle, name?: string): Promise<R> {
  const slow = setTimeout(() => {
    print(`still waiting: is the gateway still running (\`npm start\`)? The Temporal UI link above shows where the workflow is (${demoCommand(name)}).`);
  }, SLOW_NOTICE_MS);
  try {
    return (await handle.result()) as R;
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    throw new DemoError(`The workflow failed: ${err.cause?.message ?? err.message}`);
  } finally {
    clearTimeout(slow);
  }
}

/**
 * The secret of the gateway's webhook source `name` (its first, when it names several), as the provider would hold it: from
 * `WEBHOOK_SOURCES_FILE` when set (give the demo the same environment as `npm start`), else from
 * the demo sources file `npm start` generated.
 */
export async function webhookSecretOf(name: string): Promise<string> {
  const file = await webhookSourcesFileFor(process.env);
  const source = loadWebhookSources(file, process.env).get(name);
  if (!source) throw new DemoError(`The gateway's webhook sources file (${file}) has no '${name}' source; add one, or unset WEBHOOK_SOURCES_FILE to use the demo's.`);
  return Buffer.from(source.keys[0]!).toString('utf8');
}

/** Runs a demo as an entry point: cleans up on exit and on Ctrl-C, prints how it ended, sets the exit code. */
export function runDemo(demo: (run: DemoRun) => Promise<number>): void {
  runMain(async () => {
    const run: DemoRun = { cleanups: [] };
    const cleanUp = async () => {
      for (const cleanup of run.cleanups.splice(0).reverse()) await cleanup().catch(() => {});
    };
    process.once('SIGINT', () => {
      print(run.workflowId ? `interrupted; workflow ${run.workflowId} keeps waiting durably in Temporal until it resumes or times out` : 'interrupted');
      void cleanUp().finally(() => process.exit(130));
    });
    let code: number;
    try {
      code = await demo(run);
    } catch (err) {
      if (!(err instanceof DemoError)) throw err;
      console.error(err.message);
      code = 1;
    } finally {
      await cleanUp();
    }
    if (code === 0) print('demo finished');
    process.exitCode = code;
  });
}
