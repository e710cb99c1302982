import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { quietRuntime } from './harness';
import { REPO_ROOT } from './repo';

/**
 * The launcher of Temporal's time-skipping test server (its Java build), resolved from Maven
 * Central by `scripts/ensure-test-server.sh` the first time (once per version, cached in
 * `~/.cache/durable-callbacks/`), instantly afterwards. Needs Java and Maven on PATH.
 */
export async function testServerExecutable(): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [path.join(REPO_ROOT, 'tools', 'scripts', 'ensure-test-server.sh')], { timeout: 10 * 60_000 });
  return stdout.trim();
}

/** True when `java` and `mvn` run: what the test server's Java build needs to be resolved and started. */
export function timeSkippingAvailable(): boolean {
  return ['java', 'mvn'].every((tool) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).status === 0);
}

/**
 * A time-skipping test environment on its own test server: workflow timers fire as soon as
 * nothing else is pending while a test awaits a result (`env.client`) or `env.sleep(...)`, so
 * days of workflow time pass in milliseconds. Tear it down in `afterAll`.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const executable = await testServerExecutable();
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: executable } } });
}
