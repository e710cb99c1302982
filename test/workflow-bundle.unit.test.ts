import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * Temporal's reusable V8 context evaluates workflow code's modules once per workflow (each run
 * gets its own module state), so every module the workflow entry pulls in is paid for by every
 * workflow in the worker's cache. Measured: zod in the entry tripled a waiting workflow's memory.
 * The entry must stay this project's own code and Temporal's.
 */
test('the workflow entry bundles only its own code and what @temporalio/workflow brings', async () => {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
  });
  const packages = new Set([...code.matchAll(/"\.\/node_modules\/((?:@[^/"]+\/)?[^/"]+)\//g)].map((match) => match[1]));
  expect([...packages].sort()).toEqual(['@temporalio/common', '@temporalio/workflow', 'long', 'ms', 'nexus-rpc']);
}, 60_000);
