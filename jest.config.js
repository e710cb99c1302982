// Jest runs the TypeScript sources through ts-jest, transpile-only (`npm run build` type-checks).
// jose 6 ships only as an ES module; rather than run Jest in its experimental ESM mode, jose is
// transformed to CommonJS like our own files (it is exempted from transformIgnorePatterns).
// openid-client 6 (the gateway's sign-in) and its oauth4webapi are ES modules only in the same
// way (one `default` export condition) and are transformed likewise; outside Jest, Node >= 20.19
// loads them with require(esm).
// @octokit/webhooks-methods (GitHub's signer, in the webhook tests) is ESM-only too, and its
// package exports name only `import` conditions, which Jest's CommonJS resolver skips: it is
// transformed the same way and mapped to its Node build.
// The AI SDK (`ai`, `@ai-sdk/*`; the agent tests' scripted model and `@temporalio/ai-sdk`'s
// activities) and its `@workflow/serde` are ESM-only in the same way, and transformed likewise; the one zod file it names
// by its ESM path (`zod/v4/locales/en.js`) is mapped to zod's CommonJS twin.
//
// Two projects, told apart by file name, so a test that needs no server starts none:
// - `unit`: `*.unit.test.ts`, tests that need no Temporal at all (no dev server, no worker, no
//   gateway talking to Temporal). `npx jest --selectProjects unit` runs only these.
// - `temporal`: every other `*.test.ts`. Its globalSetup starts the tests' Temporal dev server and
//   bundles the workflows; Jest runs a project's globalSetup only when that project has tests to
//   run, so `--selectProjects unit` never starts it. Tests of time (callback-time-skipping.test.ts)
//   are here too: they use the workflow bundle, with a time-skipping test server of their own.
const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.[jt]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  transformIgnorePatterns: ['/node_modules/(?!jose/|openid-client/|oauth4webapi/|@octokit/webhooks-methods/|ai/|@ai-sdk/|@workflow/serde/)'],
  moduleNameMapper: {
    '^@octokit/webhooks-methods$': '<rootDir>/node_modules/@octokit/webhooks-methods/dist-node/index.js',
    '^zod/v4/locales/en\\.js$': '<rootDir>/node_modules/zod/v4/locales/en.cjs',
  },
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60_000,
  // Each Temporal test file runs a Temporal worker and a gateway; two at a time fits a 2-core machine.
  maxWorkers: 2,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['**/*.unit.test.ts'] },
    {
      ...shared,
      displayName: 'temporal',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.unit\\.test\\.ts$'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
};
