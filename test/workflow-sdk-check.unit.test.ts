import path from 'node:path';
import { isBelowFloor, TEMPORAL_SDK_FLOOR, workflowSdkCopies, workflowSdkProblem, type WorkflowSdkCopy } from '../worker/workflow-sdk-check';
import { REPO_ROOT } from './support/test-env';

const project = '/app/node_modules/@temporalio/workflow/package.json';
const nested = '/app/node_modules/durable-callbacks/node_modules/@temporalio/workflow/package.json';
const copy = (resolvedBy: string, packageJson: string, version: string): WorkflowSdkCopy => ({ resolvedBy, packageJson, version });

describe('the worker’s @temporalio/workflow check', () => {
  test('the floor is the package’s peer range', () => {
    const { peerDependencies } = require('../package.json') as { peerDependencies: Record<string, string> };
    const sdkPeers = Object.entries(peerDependencies).filter(([name]) => name.startsWith('@temporalio/'));
    expect(new Set(sdkPeers.map(([, range]) => range))).toEqual(new Set([`^${TEMPORAL_SDK_FLOOR}`]));
  });

  test('one copy at the floor or later passes', () => {
    expect(workflowSdkProblem([copy('durable-callbacks', project, '1.24.0'), copy('your workflows (/app/src/workflows.ts)', project, '1.24.0')])).toBeUndefined();
    expect(workflowSdkProblem([copy('durable-callbacks', project, TEMPORAL_SDK_FLOOR)])).toBeUndefined();
    expect(workflowSdkProblem([])).toBeUndefined();
  });

  test('two copies are refused, naming both, who resolves each, and what to do', () => {
    const problem = workflowSdkProblem([
      copy('durable-callbacks', nested, '1.24.0'),
      copy('your workflows (/app/src/workflows.ts)', project, '1.20.1'),
      copy('@temporalio/worker (/app/node_modules/@temporalio/worker)', project, '1.20.1'),
    ]);
    expect(problem).toContain('2 copies of @temporalio/workflow');
    expect(problem).toContain(`${path.dirname(nested)} (1.24.0), resolved by durable-callbacks\n`);
    expect(problem).toContain(`${path.dirname(project)} (1.20.1), resolved by your workflows (/app/src/workflows.ts) and @temporalio/worker (/app/node_modules/@temporalio/worker)`);
    expect(problem).toContain('#cancelRequested');
    expect(problem).toContain('npm ls @temporalio/workflow');
    expect(problem).toContain('npm dedupe');
  });

  test('two copies of the same version are still two copies', () => {
    expect(workflowSdkProblem([copy('durable-callbacks', nested, '1.24.0'), copy('your workflows (w.ts)', project, '1.24.0')])).toContain('2 copies');
  });

  test('one copy below the floor is refused, saying what to upgrade', () => {
    const problem = workflowSdkProblem([copy('durable-callbacks', project, '1.17.5'), copy('your workflows (w.ts)', project, '1.17.5')]);
    expect(problem).toContain(`needs @temporalio/workflow ${TEMPORAL_SDK_FLOOR} or later; this worker loads 1.17.5 from ${path.dirname(project)}`);
    expect(problem).toContain('npm ls @temporalio/workflow');
  });

  test.each([
    ['1.18.1', true],
    ['1.17.9', true],
    ['0.99.99', true],
    ['1.18.2', false],
    ['1.18.10', false],
    ['1.19.0', false],
    ['2.0.0', false],
    ['1.24.0-rc.1', false],
    ['not-a-version', false],
  ])('%s is below the floor: %s', (version, below) => {
    expect(isBelowFloor(version, '1.18.2')).toBe(below);
  });

  test('in this repository the library, its workflows and the loaded worker resolve one copy', () => {
    require('@temporalio/worker');
    const copies = workflowSdkCopies(path.join(REPO_ROOT, 'workflows', 'index.ts'));
    expect(copies.map((c) => c.resolvedBy)).toEqual(expect.arrayContaining(['durable-callbacks', expect.stringMatching(/^your workflows/), expect.stringMatching(/^@temporalio\/worker/)]));
    expect(new Set(copies.map((c) => c.packageJson)).size).toBe(1);
    expect(workflowSdkProblem(copies)).toBeUndefined();
  });
});
