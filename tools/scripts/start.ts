import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { loadDevServerConfig } from '../../cli/config';
import { loadGatewayConfig } from '../../callback-gateway/config';
import { loadWorkerConfig } from '../../worker/config';
import { runMain } from '../../config/run-main';
import { randomBytes } from 'node:crypto';
import { DEMO_WEBHOOK_SOURCES_FILE, demoSlackApprovalEnv, webhookSourcesFileFor } from './demo-webhook-sources';

/**
 * `npm start`: the whole service on one machine. Starts (or reuses) the local Temporal dev server
 * with `temporal-dev.sh`, runs the worker and the callback gateway as child processes with their
 * output prefixed, waits until both are ready, and on Ctrl-C (or when either dies) stops them,
 * and the Temporal server too if this run started it.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
/** How long the worker and the gateway get to become ready. */
const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 1_000;
/** How long a child gets to stop after SIGTERM before it is killed. */
const STOP_GRACE_MS = 15_000;
/** Signals this soon after the first are the same Ctrl-C relayed by npm and tsx, not a second press. */
const DUPLICATE_SIGNAL_MS = 2_000;
/** What the worker prints once it polls its task queue (worker/main.ts). */
const WORKER_READY_LINE = 'worker running';
/** Where the development sign-in provider listens when the user has not configured their own (`OIDC_ISSUER`). */
const DEV_OIDC_PORT = 9090;

/** One line from this script, set apart from the children's prefixed output. */
function say(message: string): void {
  console.log(`[start] ${message}`);
}

function sayError(message: string): void {
  console.error(`[start] ${message}`);
}

/** A worker, gateway or development sign-in provider process and what is known about it. */
interface Child {
  name: 'worker' | 'gateway' | 'oidc';
  process: ChildProcess;
  /** Resolves once the process exited and its output closed. */
  closed: Promise<void>;
}

/** Sends `signal` to a child's whole process group (tsx runs the code in a grandchild). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Forwards each line of `stream` to `sink` with `prefix`, and to `onLine`. */
function pipeLines(stream: NodeJS.ReadableStream | null, sink: NodeJS.WritableStream, prefix: string, onLine?: (line: string) => void): void {
  if (!stream) return;
  readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    sink.write(`${prefix}${line}\n`);
    onLine?.(line);
  });
}

/** Runs `temporal-dev.sh <command>` in its own process group; resolves with its exit code. */
function runTemporalDev(command: 'status' | 'start' | 'stop', stdio: StdioOptions, onSpawn?: (child: ChildProcess) => void): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(ROOT, 'temporal-dev.sh'), command], { cwd: ROOT, stdio, detached: true });
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.resume();
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout }));
    onSpawn?.(child);
  });
}

/** True when nothing listens on host:port yet (the gateway's bind would succeed). */
function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Where this machine reaches a server bound to `host`. */
function localBaseUrl(host: string, port: number): string {
  const local = ['127.0.0.1', '0.0.0.0', '::', 'localhost'].includes(host);
  return `http://${local ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** How a person opens a server bound to `host` in a browser. */
function browserBaseUrl(host: string, port: number): string {
  const local = ['127.0.0.1', '0.0.0.0', '::', 'localhost'].includes(host);
  return `http://${local ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${port}`;
}

function isLocalAddress(address: string): boolean {
  const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return ['localhost', '127.0.0.1', '::1'].includes(host);
}

async function readyzStatus(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    const body = await response.text();
    return response.status === 200 ? 'ready' : `${response.status} ${body.slice(0, 120)}`;
  } catch (err) {
    return `no answer (${err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err)})`;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  // Validate every setting up front: a typo should not surface only after Temporal started.
  const gatewayConfig = loadGatewayConfig();
  const workerConfig = loadWorkerConfig();
  const { uiPort } = loadDevServerConfig();
  // The demos' webhook sources (secrets generated into .data/) unless the user configured their own.
  const webhookSourcesFile = await webhookSourcesFileFor(process.env);

  if (!(await portIsFree(gatewayConfig.listen.host, gatewayConfig.listen.port))) {
    sayError(
      `port ${gatewayConfig.listen.port} on ${gatewayConfig.listen.host} is already in use, so the gateway cannot listen there. ` +
        'Is another `npm start` running? Stop it, or set GATEWAY_PORT to a free port.',
    );
    process.exit(1);
  }

  let stopping = false;
  let interrupted = false;
  let temporalStartedHere = false;
  let temporalScript: ChildProcess | undefined;
  const children: Child[] = [];

  async function stopTemporalIfOurs(): Promise<void> {
    if (!temporalStartedHere) return;
    say('stopping the Temporal dev server this run started');
    await runTemporalDev('stop', 'inherit').catch((err: unknown) => sayError(`could not stop Temporal: ${String(err)}`));
  }

  /** Stops the children (SIGTERM, then SIGKILL after the grace period), then Temporal if ours, then exits. */
  async function shutdown(exitCode: number): Promise<never> {
    stopping = true;
    const running = children.filter((child) => isRunning(child.process));
    if (running.length > 0) say(`stopping the ${running.map((child) => child.name).join(' and the ')}`);
    for (const child of running) signalGroup(child.process, 'SIGTERM');
    await Promise.all(
      children.map(async (child) => {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          child.closed.then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_GRACE_MS))),
        ]);
        clearTimeout(timer);
        if (timedOut) {
          sayError(`the ${child.name} did not stop within ${STOP_GRACE_MS / 1000} s; killing it`);
          signalGroup(child.process, 'SIGKILL');
          await Promise.race([child.closed, sleep(5_000)]);
        }
      }),
    );
    await stopTemporalIfOurs();
    say(exitCode === 0 ? 'stopped' : 'stopped after an error');
    process.exit(exitCode);
  }

  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      // npm and tsx forward the terminal's Ctrl-C too, so one press can arrive more than once.
      if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
      // A second Ctrl-C: stop waiting for a graceful shutdown.
      say(`${signal} again: killing the children now`);
      for (const child of children) signalGroup(child.process, 'SIGKILL');
      return;
    }
    interrupted = true;
    firstSignalAt = Date.now();
    say(`${signal} received`);
    if (temporalScript && isRunning(temporalScript)) {
      // Still starting Temporal: stop the script (and a build it runs); main() cleans up after it.
      signalGroup(temporalScript, 'SIGTERM');
      return;
    }
    if (!stopping) void shutdown(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  // (a) Temporal.
  const address = workerConfig.temporal.connection.address;
  if (!isLocalAddress(address)) {
    say(`TEMPORAL_ADDRESS is ${address}, not this machine: using that server, not starting a local one`);
  } else {
    const status = await runTemporalDev('status', ['ignore', 'pipe', 'pipe'], (child) => (temporalScript = child));
    if (interrupted) process.exit(0);
    if (status.code === 0) {
      say(`reusing the Temporal server already running: ${status.stdout.trim().replace(/^running: /, '')}`);
    } else {
      say('starting the Temporal dev server (the first run builds the Temporal CLI, which takes a few minutes)');
      temporalStartedHere = true;
      const started = await runTemporalDev('start', ['ignore', 'inherit', 'inherit'], (child) => (temporalScript = child));
      if (interrupted) {
        await stopTemporalIfOurs();
        process.exit(0);
      }
      if (started.code !== 0) {
        sayError('the Temporal dev server did not start (see the [temporal-dev] lines above)');
        await stopTemporalIfOurs();
        process.exit(1);
      }
    }
  }
  temporalScript = undefined;

  // (b) The worker and the gateway.
  let workerReady = false;
  const startChild = (name: Child['name'], script: string, env: NodeJS.ProcessEnv, onLine?: (line: string) => void, args: string[] = []): Child => {
    const child = spawn(TSX, [script, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const prefix = `[${name}] `;
    pipeLines(child.stdout, process.stdout, prefix, onLine);
    pipeLines(child.stderr, process.stderr, prefix, onLine);
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.once('error', (err) => sayError(`could not run the ${name}: ${err.message}`));
    child.once('exit', (code, signal) => {
      if (stopping) return;
      sayError(`the ${name} exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}); stopping everything`);
      void shutdown(1);
    });
    return { name, process: child, closed };
  };
  // Approvals' sign-in: the development provider (demo users, any password) unless the user configured their own.
  const devOidc = gatewayConfig.app.signIn === undefined && (await portIsFree('127.0.0.1', DEV_OIDC_PORT));
  const oidcEnv: NodeJS.ProcessEnv = {};
  if (devOidc) {
    const issuer = `http://localhost:${DEV_OIDC_PORT}`;
    Object.assign(oidcEnv, { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: 'dcb-dev-gateway', OIDC_CLIENT_SECRET: randomBytes(24).toString('base64url') });
    // The gateway's own default for its public URL, unless the user named one: the provider must know the exact redirect URI.
    const publicUrl = (process.env.GATEWAY_PUBLIC_URL?.trim() || browserBaseUrl(gatewayConfig.listen.host, gatewayConfig.listen.port)).replace(/\/+$/, '');
    const redirectUri = `${publicUrl}/auth/oidc/callback`;
    const args = ['--port', String(DEV_OIDC_PORT), '--issuer', issuer, '--client-id', oidcEnv.OIDC_CLIENT_ID!, '--client-secret', oidcEnv.OIDC_CLIENT_SECRET!, '--redirect-uri', redirectUri];
    children.push(startChild('oidc', 'tools/scripts/dev-oidc-provider.mjs', process.env, undefined, args));
  }
  // Approving from Slack: the demo's stand-in Slack, unless the user configured their own app.
  const slackEnv = await demoSlackApprovalEnv(webhookSourcesFile);
  children.push(
    startChild('worker', 'worker/main.ts', process.env, (line) => {
      if (line.includes(WORKER_READY_LINE)) workerReady = true;
    }),
    startChild('gateway', 'callback-gateway/server.ts', { ...process.env, ...oidcEnv, ...slackEnv, WEBHOOK_SOURCES_FILE: webhookSourcesFile, LOG_FORMAT: 'pretty' }),
  );

  // (c) Wait until both are ready.
  const readyzUrl = `${localBaseUrl(gatewayConfig.listen.host, gatewayConfig.listen.port)}/readyz`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let gatewayState = 'not asked yet';
  while (!stopping) {
    if (gatewayState !== 'ready') gatewayState = await readyzStatus(readyzUrl);
    if (stopping) return;
    if (gatewayState === 'ready' && workerReady) break;
    if (Date.now() >= deadline) {
      const waiting = [
        ...(gatewayState === 'ready' ? [] : [`the gateway did not answer GET ${readyzUrl} with 200 (last: ${gatewayState})`]),
        ...(workerReady ? [] : [`the worker did not print "${WORKER_READY_LINE}"`]),
      ];
      sayError(`not ready after ${READY_TIMEOUT_MS / 1000} s: ${waiting.join('; ')}. See the [worker] and [gateway] lines above.`);
      await shutdown(1);
    }
    await sleep(READY_POLL_MS);
  }
  if (stopping) return;

  const rule = '='.repeat(64);
  console.log(
    [
      '',
      rule,
      '  durable-callbacks is running',
      `    callback gateway:  ${browserBaseUrl(gatewayConfig.listen.host, gatewayConfig.listen.port)}`,
      isLocalAddress(address) ? `    Temporal UI:       http://localhost:${uiPort}` : `    Temporal:          ${address}`,
      `    webhook sources:   ${webhookSourcesFile === DEMO_WEBHOOK_SOURCES_FILE ? `${path.relative(ROOT, webhookSourcesFile)} (the demos')` : webhookSourcesFile}`,
      `    approvals sign-in: ${devOidc ? `${oidcEnv.OIDC_ISSUER} (development provider: sign in as alice, bob, carol, dana, erin, frank, grace, heidi or mallory, any password; tools/dev-oidc/demo-users.json)` : (gatewayConfig.app.signIn?.issuer ?? `off (port ${DEV_OIDC_PORT} is taken; set OIDC_ISSUER)`)}`,
      '',
      '  Run a demo in another terminal: npm run demo (or: npm run demo -- slack | github-pr | approval | agent)',
      '  Ctrl-C stops everything.',
      rule,
      '',
    ].join('\n'),
  );
}

runMain(main);
