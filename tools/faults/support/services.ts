import net from 'node:net';
import path from 'node:path';
import { pollUntil } from '../../../test/support/async';
import { spawnTsx, type ManagedProcess } from '../../../test/support/processes';
import { FAULTS_DATA_DIR, GATEWAY_PORT_RANGE, temporal } from './paths';

/**
 * The worker and gateway as real processes (`tsx worker/main.ts`, `tsx callback-gateway/server.ts`),
 * configured only through their environment, as in a deployment.
 */

/** What each worker entry serves: `worker/main.ts`'s ready-made workflows, or the webhook drill's waiters and mailboxes. */
const WORKER_SCRIPTS = { 'ready-made': 'worker/main.ts', 'webhook-waits': 'tools/faults/support/webhook-worker.ts', approvals: 'tools/faults/support/approval-worker.ts', agents: 'tools/faults/support/agent-worker.ts' } as const;

/** What every service of a scenario shares. */
export interface ServiceSettings {
  taskQueue: string;
  /** Base64 of 32 random bytes; the same for every process of a suite run. */
  signingSecret: string;
  /** Where each process's output goes: `<logDir>/<name>.log`. */
  logDir: string;
  /** The gateway URL the worker mints callback URLs with. */
  callbackBaseUrl: string;
}

/** A worker process. */
export type WorkerProcess = ManagedProcess;

/** A gateway process and where it listens. */
export interface GatewayProcess extends ManagedProcess {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
}

/** What the worker prints once it polls its task queue (worker/main.ts). */
export const WORKER_READY_LINE = 'worker running';
/** Bound on a worker's start (bundling the workflows takes a few seconds on 2 cores). */
export const WORKER_START_TIMEOUT_MS = 90_000;
/** Bound on a gateway's start until `/readyz` answers 200. */
export const GATEWAY_START_TIMEOUT_MS = 45_000;

/** Variables the services read; any the caller's shell set are dropped, so only the suite configures them. */
const CONFIG_VARIABLE = /^(TEMPORAL_|CALLBACK_|GATEWAY_|WORKER_|WEBHOOK_|APPROVAL_RECEIPT_|DURABLE_CALLBACKS_|OIDC_|SESSION_SECRET$|API_KEYS_FILE$|MAX_BODY_BYTES$|LOG_FORMAT$|NODE_ENV$|TICKETING_URL$)/;

function serviceEnv(settings: ServiceSettings, extra: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !CONFIG_VARIABLE.test(name)));
  return {
    ...inherited,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: settings.taskQueue,
    CALLBACK_SIGNING_SECRET: settings.signingSecret,
    CALLBACK_BASE_URL: settings.callbackBaseUrl,
    DURABLE_CALLBACKS_DATA_DIR: FAULTS_DATA_DIR,
    LOG_FORMAT: 'json',
    ...extra,
  };
}

/** Starts `tsx <script>` as service `name`, its output in `<logDir>/<name>.log`. */
function spawnService(settings: ServiceSettings, name: string, script: string, extra: Record<string, string>): Promise<ManagedProcess> {
  return spawnTsx({ name, script, env: serviceEnv(settings, extra), logFile: path.join(settings.logDir, `${name}.log`) });
}

/** Options for {@link startWorker}. */
export interface WorkerOptions {
  name: string;
  /** `WORKER_MAX_CACHED_WORKFLOWS`. */
  maxCachedWorkflows?: number;
  /** Which workflows it runs (`ready-made` unless set): see {@link WORKER_SCRIPTS}. */
  workflows?: keyof typeof WORKER_SCRIPTS;
  /** More of the worker's environment (e.g. `SMTP_URL` and `MAIL_FROM` for a drill that notifies, the agent drill's runs file). */
  env?: Record<string, string>;
}

/** Starts `tsx worker/main.ts` (or the webhook drill's worker) and waits until it prints that it runs. */
export async function startWorker(settings: ServiceSettings, options: WorkerOptions): Promise<WorkerProcess> {
  const extra: Record<string, string> = { ...options.env };
  if (options.maxCachedWorkflows !== undefined) extra.WORKER_MAX_CACHED_WORKFLOWS = String(options.maxCachedWorkflows);
  const worker = await spawnService(settings, options.name, WORKER_SCRIPTS[options.workflows ?? 'ready-made'], extra);
  try {
    await worker.waitForLine(WORKER_READY_LINE, WORKER_START_TIMEOUT_MS);
  } catch (err) {
    await worker.kill();
    throw err;
  }
  return worker;
}

/** Options for {@link startGateway}. */
export interface GatewayOptions {
  name: string;
  port: number;
  /** `TEMPORAL_CALL_TIMEOUT_MS`. */
  temporalCallTimeoutMs?: number;
  /** Wait for `/readyz` 200 (default); false only waits until it answers at all (Temporal may be down). */
  waitForTemporal?: boolean;
  /** Provider webhook sources: `WEBHOOK_SOURCES_FILE`, and the variables holding the secrets its `secretEnv`s name. */
  webhookSources?: { file: string; secretEnv: Record<string, string> };
  /**
   * Sign-in for approvals: `OIDC_ISSUER` and its client, and `SESSION_SECRET` (base64), shared by
   * the gateways so a session one issued is valid at the other. The issuer is only contacted when
   * someone signs in, which a drill that brings its own sessions never does.
   */
  signIn?: { issuer: string; sessionSecret: string };
}

/** The status of `GET <url>`, or undefined when nothing answered within `timeoutMs`. */
export async function httpStatus(url: string, timeoutMs = 3_000): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

/** Starts `tsx callback-gateway/server.ts` on `port` and waits until `GET /readyz` says ready. */
export async function startGateway(settings: ServiceSettings, options: GatewayOptions): Promise<GatewayProcess> {
  const extra: Record<string, string> = { GATEWAY_HOST: '127.0.0.1', GATEWAY_PORT: String(options.port) };
  if (options.temporalCallTimeoutMs !== undefined) extra.TEMPORAL_CALL_TIMEOUT_MS = String(options.temporalCallTimeoutMs);
  if (options.webhookSources) Object.assign(extra, options.webhookSources.secretEnv, { WEBHOOK_SOURCES_FILE: options.webhookSources.file });
  if (options.signIn) Object.assign(extra, { OIDC_ISSUER: options.signIn.issuer, OIDC_CLIENT_ID: 'faults-gateway', OIDC_CLIENT_SECRET: 'unused-by-the-drill', SESSION_SECRET: options.signIn.sessionSecret });
  const child = await spawnService(settings, options.name, 'callback-gateway/server.ts', extra);
  const url = `http://127.0.0.1:${options.port}`;
  try {
    const wanted = options.waitForTemporal === false ? [200, 503] : [200];
    await pollUntil(
      `${options.name} ready on ${url}`,
      async () => {
        if (!child.isRunning()) throw new Error(`${options.name} exited during startup; see ${child.logFile}`);
        return wanted.includes((await httpStatus(`${url}/readyz`)) ?? 0);
      },
      GATEWAY_START_TIMEOUT_MS,
      200,
    );
  } catch (err) {
    await child.kill();
    throw err;
  }
  return Object.assign(child, { port: options.port, url });
}

/** True when nothing listens on 127.0.0.1:`port`. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `count` free gateway ports from the suite's range (28080-28099). */
export async function freeGatewayPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let port: number = GATEWAY_PORT_RANGE.first; port <= GATEWAY_PORT_RANGE.last && ports.length < count; port++) {
    if (await portIsFree(port)) ports.push(port);
  }
  if (ports.length < count) throw new Error(`only ${ports.length} of ports ${GATEWAY_PORT_RANGE.first}-${GATEWAY_PORT_RANGE.last} are free; ${count} needed`);
  return ports;
}
