import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startAwaitCallback } from '../../client';
import { runMain } from '../../config/run-main';
import { pollUntil, seconds } from '../../test/support/async';
import { killAllProcesses, spawnTsx, type ManagedProcess } from '../../test/support/processes';
import { dataDir } from '../../test/support/repo';
import type { CallbackWaitResult } from '../../protocol/callback-messages';

/**
 * `npx tsx scripts/cluster-smoke.ts`: callbacks end to end through a Temporal cluster started
 * with `./temporal-cluster.sh start` (`.ci/run` does both). Runs `durable-callbacks worker` and
 * `durable-callbacks gateway` from source as real processes against the cluster's frontend,
 * then completes two callbacks: one delivered the default way (a signal, `202`) and one with
 * `Prefer: wait` (an update, `200`), both started with update-with-start and marked with the
 * `DurableCallbacksWaiting` search attribute, which is checked in visibility. Exits 1 on anything unexpected; always
 * ends the processes it started. The cluster is left as it was.
 */

/** The cluster's frontend: `TEMPORAL_CLUSTER_PORT`, as `temporal-cluster.sh` reads it. */
const ADDRESS = `127.0.0.1:${process.env.TEMPORAL_CLUSTER_PORT ?? '47233'}`;
const NAMESPACE = process.env.TEMPORAL_NAMESPACE ?? 'default';
const GATEWAY_PORT = 47280;
const GATEWAY_URL = `http://127.0.0.1:${GATEWAY_PORT}`;
const DATA_DIR = dataDir('cluster-smoke');
/** What the worker prints once it polls its task queue (worker/main.ts). */
const WORKER_READY_LINE = 'worker running';
const START_TIMEOUT_MS = 120_000;
const STEP_TIMEOUT_MS = 60_000;

function say(message: string): void {
  console.log(`[cluster-smoke] ${message}`);
}

/** The environment both services run with: the cluster, a fresh task queue, a shared secret. */
function serviceEnv(taskQueue: string, secret: string): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(TEMPORAL_|CALLBACK_|GATEWAY_|WORKER_)/.test(name)));
  return {
    ...inherited,
    TEMPORAL_ADDRESS: ADDRESS,
    TEMPORAL_NAMESPACE: NAMESPACE,
    TEMPORAL_TASK_QUEUE: taskQueue,
    CALLBACK_SIGNING_SECRET: secret,
    CALLBACK_BASE_URL: GATEWAY_URL,
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: String(GATEWAY_PORT),
    DURABLE_CALLBACKS_DATA_DIR: DATA_DIR,
    LOG_FORMAT: 'json',
  };
}

async function readyz(): Promise<number | undefined> {
  try {
    const response = await fetch(`${GATEWAY_URL}/readyz`, { signal: AbortSignal.timeout(3_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

async function startServices(taskQueue: string, secret: string): Promise<ManagedProcess[]> {
  await fs.mkdir(DATA_DIR, { recursive: true });
  const env = serviceEnv(taskQueue, secret);
  const worker = await spawnTsx({ name: 'worker', script: 'worker/main.ts', env, logFile: path.join(DATA_DIR, 'worker.log') });
  const gateway = await spawnTsx({ name: 'gateway', script: 'callback-gateway/server.ts', env, logFile: path.join(DATA_DIR, 'gateway.log') });
  const started = Date.now();
  await Promise.all([
    worker.waitForLine(WORKER_READY_LINE, START_TIMEOUT_MS),
    pollUntil(
      `gateway ready on ${GATEWAY_URL}`,
      async () => {
        if (!gateway.isRunning()) throw new Error(`the gateway exited during startup; see ${gateway.logFile}`);
        return (await readyz()) === 200;
      },
      START_TIMEOUT_MS,
      250,
    ),
  ]);
  say(`worker (pid ${worker.pid}) and gateway (pid ${gateway.pid}, ${GATEWAY_URL}) ready against ${ADDRESS} in ${seconds(Date.now() - started)}`);
  return [worker, gateway];
}

/** Starts a waiting `awaitCallback`, delivers `data` to its URL, and checks the answer and the workflow's result. */
async function oneCallback(client: Client, taskQueue: string, how: 'signal' | 'update'): Promise<void> {
  const started = Date.now();
  const { url, handle } = await startAwaitCallback(client, { taskQueue, input: { timeout: '10m', markWaiting: true } });
  say(`${how}: ${handle.workflowId} started with update-with-start; URL minted in ${seconds(Date.now() - started)}`);

  const query = `WorkflowId = '${handle.workflowId}' AND DurableCallbacksWaiting = true`;
  await pollUntil(`${handle.workflowId} listed as waiting`, async () => (await client.workflow.count(query)).count === 1, STEP_TIMEOUT_MS, 500);
  say(`${how}: listed by visibility as DurableCallbacksWaiting = true`);

  const data = { how, nonce: randomBytes(8).toString('hex') };
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), ...(how === 'update' ? { prefer: 'wait=20' } : {}) },
    body: JSON.stringify(data),
    signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
  });
  const body = await response.text();
  const expected = how === 'update' ? 200 : 202;
  if (response.status !== expected) throw new Error(`${how}: the gateway answered ${response.status}, expected ${expected}: ${body}`);
  say(`${how}: the gateway answered ${response.status}`);

  const result: CallbackWaitResult = await client.connection.withDeadline(Date.now() + STEP_TIMEOUT_MS, () => handle.result());
  if (result.status !== 'received' || JSON.stringify(result.data) !== JSON.stringify(data)) {
    throw new Error(`${how}: the workflow ended with ${JSON.stringify(result)}, expected received ${JSON.stringify(data)}`);
  }
  say(`${how}: the workflow resumed with the data sent (${seconds(Date.now() - started)} in all)`);
}

async function main(): Promise<void> {
  process.on('exit', () => killAllProcesses());
  const taskQueue = `cluster-smoke-${randomUUID().slice(0, 8)}`;
  const processes = await startServices(taskQueue, randomBytes(32).toString('base64'));
  const connection = await Connection.connect({ address: ADDRESS });
  try {
    const client = new Client({ connection, namespace: NAMESPACE });
    await oneCallback(client, taskQueue, 'signal');
    await oneCallback(client, taskQueue, 'update');
    say(`passed: two callbacks end to end through the cluster on ${ADDRESS}`);
  } catch (err) {
    for (const service of processes) for (const line of [`--- ${service.name} (${service.logFile}):`, ...service.tail(15)]) console.error(line);
    throw err;
  } finally {
    await connection.close();
    await Promise.all(processes.map((service) => service.kill()));
  }
}

runMain(main);
