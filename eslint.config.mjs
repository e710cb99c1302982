// The walls `npm test` holds (see README.md, "Scripts"), and nothing else: this config is not a
// style guide. Each wall names what it keeps apart and why; test/lint-walls.unit.test.ts shows that a
// file breaking each one is reported.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// The house's floors, lowest first: a room may import its own floor's rooms named beside it and
// any room on a lower floor, never one above. The wire protocol is the floor everything stands on;
// the entries (worker, client, gateway, codec) stand on the rooms that build them; the CLI on the
// entries; tooling (tools/, test/, examples/) on all of it, and no product room imports tooling.
const FLOORS = [
  ['protocol'],
  ['config'],
  ['keys', 'api-keys'],
  ['tokens', 'codec'],
  ['workflows', 'activities'],
  ['client'],
  ['worker', 'callback-gateway', 'mcp'],
  ['cli'],
  ['examples', 'tools', 'test'],
];
const floorZones = FLOORS.slice(0, -1).flatMap((rooms, floor) =>
  rooms.map((room) => ({
    target: `./${room}`,
    from: FLOORS.slice(floor + 1).flat().map((higher) => `./${higher}`),
    message: `${room}/ stands below the room it imports from: move the shared part down (see the floors in eslint.config.mjs).`,
  })),
);

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
            ...floorZones,
            {
              // Sideways on one floor (the floors keep the worker out of every lower room).
              target: './callback-gateway',
              from: './worker',
              message: 'The gateway never loads the worker (its Temporal worker runtime and native bridge).',
            },
            {
              // Sideways on one floor: the gateway verifies what the worker mints; neither builds on the other.
              target: './worker',
              from: './callback-gateway',
              message: 'The worker never loads the gateway (Express and its HTTP stack).',
            },
            {
              // Sideways on one floor: the MCP server (and the MCP SDK it loads) is its own entry; the worker and the gateway never load it.
              target: ['./worker', './callback-gateway'],
              from: './mcp',
              message: 'The worker and the gateway never load the MCP server (durable-callbacks/mcp and @modelcontextprotocol/sdk).',
            },
            {
              // ...and the MCP server starts workflows through a client: it never loads the worker runtime or the gateway's HTTP stack.
              target: './mcp',
              from: ['./worker', './callback-gateway'],
              message: 'The MCP server never loads the worker (its runtime and native bridge) or the gateway; it starts workflows with a Temporal client.',
            },
            {
              // Inside the gateway: routes declare contracts in contract/'s words; openapi/ reads the routes.
              target: './callback-gateway/contract',
              from: ['./callback-gateway/routes', './callback-gateway/openapi'],
              message: 'contract/ is what routes declare their contracts with; it stands below the routes and the document made from them.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['callback-gateway/**/*.ts', 'client/**/*.ts', 'codec/**/*.ts', 'activities/**/*.ts', 'mcp/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@temporalio/worker(/|$)',
              message: 'Only the worker entry loads @temporalio/worker (its Temporal worker runtime and native bridge).',
            },
          ],
        },
      ],
    },
  },
  {
    // Token code signs and verifies callback tokens; it takes its settings as arguments and never
    // loads a process's configuration (process.env, Temporal's envconfig, zod schemas): types only.
    files: ['tokens/**/*.ts', 'keys/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/config/*', '!**/config/config-error'],
              allowTypeImports: true,
              message: 'Token code takes its settings as arguments: import only types from config/ (and ConfigError from config/config-error).',
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code and the wire protocol run in Temporal's V8 sandbox: no Node builtins, no
    // packages but the SDK's sandbox-safe ones; workflow code takes from outside workflows/ only
    // the protocol (and types). protocol/webhook-ids.ts hashes ids with Node's crypto for the
    // activities and the gateway, and is the protocol's one Node-only file.
    files: ['workflows/**/*.ts', 'protocol/**/*.ts'],
    ignores: ['protocol/webhook-ids.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\.|@temporalio/(workflow|common)(/|$))',
              message: 'Workflow and protocol code run in the sandbox: import only @temporalio/workflow, @temporalio/common and sandbox modules.',
            },
            {
              regex: '^\\.\\./(?!protocol/(?!webhook-ids))',
              allowTypeImports: true,
              message: 'Workflow code may take from outside workflows/ only the protocol (protocol/) and types (import type).',
            },
          ],
        },
      ],
    },
  },
);
