// Jest runs the TypeScript sources through ts-jest, transpile-only (`npm run build` type-checks).
// jose 6 ships only as an ES module; rather than run Jest in its experimental ESM mode, jose is
// transformed to CommonJS like our own files (it is exempted from transformIgnorePatterns).
// @octokit/webhooks-methods (GitHub's signer, in the webhook tests) is ESM-only too, and its
// package exports name only `import` conditions, which Jest's CommonJS resolver skips: it is
// transformed the same way and mapped to its Node build.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.[jt]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  transformIgnorePatterns: ['/node_modules/(?!jose/|@octokit/webhooks-methods/)'],
  moduleNameMapper: { '^@octokit/webhooks-methods$': '<rootDir>/node_modules/@octokit/webhooks-methods/dist-node/index.js' },
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
  // Each test file runs a Temporal worker and a gateway; two at a time fits a 2-core machine.
  maxWorkers: 2,
};
