import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { runMain } from '../../config/run-main';
import { seconds, withTimeout } from '../../test/support/async';
import { killAllProcesses } from '../../test/support/processes';
import { SCENARIOS } from './scenarios';
import { CLUSTER_SCENARIOS } from './scenarios/cluster';
import { CLUSTER_FLAG, ON_CLUSTER, TEMPORAL_KIND } from './support/cluster';
import { LOGS_DIR, temporal } from './support/paths';
import { ScenarioContext, type Scenario, type SuiteResources } from './support/scenario';
import { freeGatewayPorts } from './support/services';
import { errorText, formatCounts, type ScenarioCounts } from './support/verify';

/**
 * `npm run faults [-- [--cluster] scenario ...]`: the fault-injection suite. Real processes (a
 * Temporal dev server, or with `--cluster` a Temporal cluster; workers, gateways) on loopback,
 * real faults (SIGKILL, SIGTERM, Temporal stopped), and a count per scenario of callbacks sent,
 * accepted, resumed, lost and applied twice. Exits 1 if any scenario lost or double-applied a
 * callback, broke an expectation or failed; always ends every process it started.
 */

/** Bound on one scenario (generous: the machine may be busy); past it the scenario fails and its processes are killed. */
const SCENARIO_TIMEOUT_MS = 420_000;
/** Log folders of earlier runs kept in `.data/faults/logs`. */
const KEPT_RUNS = 3;
/** Lines of each process's output shown when a scenario fails. */
const TAIL_ON_FAILURE = 15;

/** How a scenario ended. */
interface ScenarioOutcome {
  name: string;
  counts?: ScenarioCounts;
  problems: string[];
  error?: string;
  wallMs: number;
}

function say(message: string): void {
  console.log(`[faults] ${message}`);
}

function passed(outcome: ScenarioOutcome): boolean {
  return !outcome.error && outcome.problems.length === 0 && outcome.counts !== undefined && outcome.counts.lost === 0 && outcome.counts.appliedTwice === 0;
}

function selectScenarios(names: string[]): Scenario[] {
  // With --cluster, the scenarios that hit one process of the cluster run after the others.
  const available = ON_CLUSTER ? [...SCENARIOS, ...CLUSTER_SCENARIOS] : SCENARIOS;
  if (names.length === 0) return available;
  const clusterOnly = names.filter((name) => !ON_CLUSTER && CLUSTER_SCENARIOS.some((scenario) => scenario.name === name));
  if (clusterOnly.length > 0) throw new Error(`scenario ${clusterOnly.join(', ')} runs only against the cluster: npm run faults -- ${CLUSTER_FLAG} ${clusterOnly.join(' ')}`);
  const unknown = names.filter((name) => !available.some((scenario) => scenario.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario ${unknown.join(', ')}; choose from: ${available.map((scenario) => scenario.name).join(', ')}`);
  }
  return available.filter((scenario) => names.includes(scenario.name));
}

async function pruneOldLogs(): Promise<void> {
  const runs = (await fs.readdir(LOGS_DIR).catch(() => [] as string[])).sort();
  for (const old of runs.slice(0, Math.max(0, runs.length - KEPT_RUNS))) await fs.rm(path.join(LOGS_DIR, old), { recursive: true, force: true });
}

/** What every scenario needs before it starts: Temporal up (a failed scenario may have left it down) and two free gateway ports. */
async function prepare(scenario: Scenario, suite: SuiteResources): Promise<ScenarioContext> {
  if ((await temporal.status()) === 'down') {
    say(`the ${TEMPORAL_KIND} is not (all) running (a previous scenario stopped it); starting it`);
    await temporal.start(say);
  }
  const [first, second] = await freeGatewayPorts(2);
  return new ScenarioContext(scenario.name, suite, [first!, second!]);
}

async function runScenario(scenario: Scenario, suite: SuiteResources): Promise<ScenarioOutcome> {
  let ctx: ScenarioContext;
  try {
    ctx = await prepare(scenario, suite);
  } catch (err) {
    const error = `could not prepare the scenario: ${errorText(err)}`;
    console.log(`${scenario.name}: failed before counting (${error})`);
    return { name: scenario.name, problems: [], error, wallMs: 0 };
  }
  console.log('');
  ctx.step(`${scenario.summary} (task queue ${ctx.taskQueue})`);
  const started = Date.now();
  const outcome: ScenarioOutcome = { name: scenario.name, problems: ctx.problems, wallMs: 0 };
  try {
    outcome.counts = await withTimeout(scenario.run(ctx), SCENARIO_TIMEOUT_MS, scenario.name);
  } catch (err) {
    outcome.error = errorText(err);
    ctx.step(`FAILED: ${outcome.error}`);
  } finally {
    if (!passed(outcome)) for (const line of ctx.tails(TAIL_ON_FAILURE)) console.log(`    ${line}`);
    await ctx.cleanup();
  }
  outcome.wallMs = Date.now() - started;
  ctx.step(`${passed(outcome) ? 'passed' : 'FAILED'} in ${seconds(outcome.wallMs)}`);
  console.log(outcome.counts ? formatCounts(scenario.name, outcome.counts) : `${scenario.name}: failed before counting (${outcome.error})`);
  return outcome;
}

function printSummary(outcomes: ScenarioOutcome[], wallMs: number): void {
  console.log('');
  say(`summary (${seconds(wallMs)} in all):`);
  for (const outcome of outcomes) {
    const counts = outcome.counts ? formatCounts(outcome.name, outcome.counts) : `${outcome.name}: not counted`;
    console.log(`  ${passed(outcome) ? 'PASS' : 'FAIL'}  ${seconds(outcome.wallMs).padStart(8)}  ${counts}`);
    for (const problem of outcome.problems) console.log(`          problem: ${problem}`);
    if (outcome.error) console.log(`          error: ${outcome.error}`);
  }
}

/** Ends everything on Ctrl-C or a kill, then exits. */
function installExitHandlers(): void {
  let exiting = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (exiting) return;
    exiting = true;
    say(`${signal}: killing every process the suite started and stopping its ${TEMPORAL_KIND}`);
    killAllProcesses();
    temporal.stopSync();
    process.exit(130);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  process.on('exit', () => {
    killAllProcesses();
    temporal.stopSync();
  });
}

async function main(): Promise<void> {
  const scenarios = selectScenarios(process.argv.slice(2).filter((arg) => arg !== '--' && arg !== CLUSTER_FLAG));
  installExitHandlers();
  const suiteStarted = Date.now();
  const logDir = path.join(LOGS_DIR, new Date().toISOString().replace(/[:.]/g, '-'));
  await fs.mkdir(logDir, { recursive: true });
  await pruneOldLogs();
  say(`scenarios: ${scenarios.map((scenario) => scenario.name).join(', ')}; process logs in ${path.relative(process.cwd(), logDir)}`);
  say(`starting a fresh ${TEMPORAL_KIND} on ${temporal.address} (data in ${path.relative(process.cwd(), temporal.dataDir)})`);
  await temporal.startFresh(say);

  const outcomes: ScenarioOutcome[] = [];
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address: temporal.address });
    const suite: SuiteResources = {
      client: new Client({ connection, namespace: temporal.namespace }),
      signingSecret: randomBytes(32).toString('base64'),
      logDir,
    };
    for (const scenario of scenarios) outcomes.push(await runScenario(scenario, suite));
  } finally {
    await connection?.close().catch(() => undefined);
    killAllProcesses();
    say(`stopping the ${TEMPORAL_KIND}`);
    await temporal.stop(say).catch((err: unknown) => say(`could not stop Temporal: ${String(err)}`));
  }
  printSummary(outcomes, Date.now() - suiteStarted);
  const failed = outcomes.filter((outcome) => !passed(outcome));
  say(failed.length === 0 ? `all ${outcomes.length} scenarios passed` : `${failed.length} of ${outcomes.length} scenarios FAILED: ${failed.map((outcome) => outcome.name).join(', ')}`);
  process.exit(failed.length === 0 ? 0 : 1);
}

runMain(main);
