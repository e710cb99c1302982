// The walls `npm test` holds (see README.md, "Scripts"), and nothing else: this config is not a
// style guide. Each wall names what it keeps apart and why; test/lint-walls.unit.test.ts shows that a
// file breaking each one is reported.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// Token code signs and verifies callback tokens; it must not pull in the environment loader
// (lib/config.ts reads process.env, Temporal's envconfig, zod schemas for every process).
const TOKEN_CODE = [
  './lib/callback-token.ts',
  './lib/mint-callback-token.ts',
  './lib/verify-callback-token.ts',
  './lib/key-ring.ts',
  './lib/key-ring-file.ts',
  './lib/signing-secret.ts',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**', '.data/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      // The project's tsconfig.json, found per file, so the type-aware rule sees what tsc sees.
      parserOptions: { projectService: true },
    },
    plugins: { '@typescript-eslint': tseslint.plugin, 'import-x': importX },
    settings: {
      // What import-x's own typescript preset sets, so it parses .ts files when it follows imports.
      'import-x/extensions': ['.ts', '.tsx', '.cts', '.mts', '.js', '.jsx', '.cjs', '.mjs'],
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx', '.cts', '.mts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver()],
    },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      // A promise nobody awaits loses its failure; mark a deliberate one with `void`.
      '@typescript-eslint/no-floating-promises': 'error',
      // No import circles: modules load in one order, and each folder stays a layer.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './callback-gateway',
              from: './worker',
              message: 'The gateway never loads the worker (its Temporal worker runtime and native bridge).',
            },
            {
              // The durableCallbacks plugin installs the payload codec on clients too; it takes
              // only types from @temporalio/worker (held below).
              target: './lib/client',
              from: './worker',
              except: ['./plugin.ts'],
              message: 'Client code never loads the worker (its Temporal worker runtime and native bridge).',
            },
            {
              target: TOKEN_CODE,
              from: './lib/config.ts',
              message: 'Token code takes its settings as arguments; import ConfigError from lib/config-error.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['callback-gateway/**/*.ts', 'lib/client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@temporalio/worker(/|$)',
              message: 'The gateway and client code never load the worker (its Temporal worker runtime and native bridge).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['worker/plugin.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@temporalio/worker(/|$)',
              allowTypeImports: true,
              message: 'lib/client re-exports this plugin: take only types from @temporalio/worker here.',
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code runs in Temporal's V8 sandbox: no Node builtins, no packages but the SDK's
    // sandbox-safe ones, and only types from outside workflows/.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\.|@temporalio/(workflow|common)(/|$))',
              message: 'Workflow code runs in the sandbox: import only @temporalio/workflow, @temporalio/common and workflows/ modules.',
            },
            {
              regex: '^\\.\\./',
              allowTypeImports: true,
              message: 'Workflow code may take only types (import type) from outside workflows/.',
            },
          ],
        },
      ],
    },
  },
);
