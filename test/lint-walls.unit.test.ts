import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// The walls eslint.config.mjs holds, each shown failing on a small project laid out like this
// one (protocol/, workflows/, config/, keys/, worker/, client/, callback-gateway/, tools/) in a temporary folder. ESLint runs as its own
// process: its config is an ES module, which Jest's CommonJS mode cannot load in-process.

const run = promisify(execFile);
const repo = path.resolve(__dirname, '..');

interface LintMessage {
  ruleId: string | null;
  message: string;
}

interface LintResult {
  filePath: string;
  messages: LintMessage[];
}

const files: Record<string, string> = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', noEmit: true, skipLibCheck: true, types: [] },
    include: ['**/*.ts'],
  }),
  'workflows/allowed.ts': [
    "import { condition } from '@temporalio/workflow';",
    "import type { Duration } from '@temporalio/common';",
    "import type { ConfigError } from '../config/config-error';",
    "import { signal } from '../protocol/definitions';",
    "import { helper } from './helper';",
    'export const ok: [typeof condition, Duration?, ConfigError?, typeof signal, typeof helper] = [condition, undefined, undefined, signal, helper];',
  ].join('\n'),
  'workflows/helper.ts': 'export const helper = 1;\n',
  'workflows/uses-node.ts': "import { createHash } from 'node:crypto';\nexport const hash = createHash;\n",
  'workflows/uses-package.ts': "import { z } from 'zod';\nexport const schema = z.string();\n",
  'workflows/uses-config-value.ts': "import { ConfigError } from '../config/config-error';\nexport const err = ConfigError;\n",
  'workflows/uses-node-ids.ts': "import { ids } from '../protocol/webhook-ids';\nexport const i = ids;\n",
  'protocol/definitions.ts': 'export const signal = 1;\n',
  'protocol/uses-node.ts': "import { promises } from 'node:fs';\nexport const p = promises;\n",
  'protocol/webhook-ids.ts': "import { createHash } from 'node:crypto';\nexport const ids = createHash;\n",
  'worker/index.ts': 'export const worker = 1;\n',
  'callback-gateway/server.ts': "import { worker } from '../worker/index';\nexport const w = worker;\n",
  'callback-gateway/sdk-worker.ts': "import { Worker } from '@temporalio/worker';\nexport const w = Worker;\n",
  'callback-gateway/routes/delivery.ts': "import { part } from '../contract/contract-parts';\nexport const contracts = [part];\n",
  'callback-gateway/contract/contract-parts.ts': 'export const part = 1;\n',
  'callback-gateway/contract/uses-routes.ts': "import { contracts } from '../routes/delivery';\nexport const c = contracts;\n",
  'client/plugin.ts': "import { worker } from '../worker/index';\nexport const w = worker;\n",
  'config/config-error.ts': 'export class ConfigError extends Error {}\n',
  'config/token-config.ts': "export const issuer = 'x';\nexport type KeySource = { kind: 'env' };\n",
  'config/upward.ts': "import { w } from '../callback-gateway/server';\nexport const x = w;\n",
  'keys/key-ring.ts': "import { issuer } from '../config/token-config';\nexport const i = issuer;\n",
  'keys/allowed.ts': [
    "import { ConfigError } from '../config/config-error';",
    "import type { KeySource } from '../config/token-config';",
    'export const fail = (source: KeySource): never => {',
    '  throw new ConfigError(source.kind);',
    '};',
  ].join('\n'),
  'mcp/index.ts': "import { worker } from '../worker/index';\nexport const mcp = worker;\n",
  'mcp/sdk-worker.ts': "import { Worker } from '@temporalio/worker';\nexport const w = Worker;\n",
  'callback-gateway/uses-mcp.ts': "import { mcp } from '../mcp/index';\nexport const m = mcp;\n",
  'workflows/uses-mcp.ts': "import { mcp } from '../mcp/index';\nexport const m = mcp;\n",
  'worker/uses-tools.ts': "import { bench } from '../tools/bench';\nexport const b = bench;\n",
  'tools/bench.ts': "import { worker } from '../worker/index';\nexport const bench = worker;\n",
  'config/floating.ts': 'async function work(): Promise<void> {}\nexport function start(): void {\n  work();\n}\n',
  'config/cycle-a.ts': "import { b } from './cycle-b';\nexport const a = (): number => b() + 1;\n",
  'config/cycle-b.ts': "import { a } from './cycle-a';\nexport const b = (): number => (a.length > 0 ? 0 : 1);\n",
};

let results: Map<string, LintMessage[]>;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'dc-lint-walls-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  const eslint = path.join(repo, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const args = [eslint, '--config', path.join(repo, 'eslint.config.mjs'), '--format', 'json', '.'];
  // ESLint exits 1 when it reports errors, which is what these fixtures are for.
  const { stdout } = await run(process.execPath, args, { cwd: dir, maxBuffer: 16 * 1024 * 1024 }).catch(
    (err: { code?: number; stdout?: string; stderr?: string }) => {
      if (err.code === 1 && err.stdout) return { stdout: err.stdout };
      throw new Error(`eslint failed: ${err.stderr ?? String(err)}`);
    },
  );
  const parsed = JSON.parse(stdout) as LintResult[];
  results = new Map(parsed.map((result) => [path.relative(dir, result.filePath), result.messages]));
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function rulesFor(file: string): (string | null)[] {
  const messages = results.get(file);
  if (!messages) throw new Error(`eslint did not lint ${file}`);
  return messages.map((message) => message.ruleId);
}

describe('the lint walls (eslint.config.mjs)', () => {
  it('lets workflow code import the SDK, workflows/ modules, the protocol and types from elsewhere', () => {
    expect(rulesFor('workflows/allowed.ts')).toEqual([]);
  });

  it('keeps Node builtins, other packages and values from outside workflows/ and protocol/ out of workflow code', () => {
    expect(rulesFor('workflows/uses-node.ts')).toEqual(['no-restricted-imports']);
    expect(rulesFor('workflows/uses-package.ts')).toEqual(['no-restricted-imports']);
    expect(rulesFor('workflows/uses-config-value.ts')).toEqual(['no-restricted-imports']);
    expect(rulesFor('workflows/uses-node-ids.ts')).toEqual(['no-restricted-imports']);
  });

  it('keeps Node out of the protocol but for its one Node-only file', () => {
    expect(rulesFor('protocol/uses-node.ts')).toEqual(['no-restricted-imports']);
    expect(rulesFor('protocol/webhook-ids.ts')).toEqual([]);
  });

  it('keeps the worker out of the gateway and the client', () => {
    expect(rulesFor('callback-gateway/server.ts')).toEqual(['import-x/no-restricted-paths']);
    expect(rulesFor('callback-gateway/sdk-worker.ts')).toEqual(['no-restricted-imports']);
    expect(rulesFor('client/plugin.ts')).toEqual(['import-x/no-restricted-paths']);
  });

  it('keeps the MCP server apart from the worker and the gateway, and out of workflow code', () => {
    expect(rulesFor('mcp/index.ts')).toEqual(['import-x/no-restricted-paths']);
    expect(rulesFor('mcp/sdk-worker.ts')).toEqual(['no-restricted-imports']);
    expect(rulesFor('callback-gateway/uses-mcp.ts')).toEqual(['import-x/no-restricted-paths']);
    expect(rulesFor('workflows/uses-mcp.ts')).toEqual(expect.arrayContaining(['import-x/no-restricted-paths']));
  });

  it('keeps what routes declare their contracts with below the routes', () => {
    expect(rulesFor('callback-gateway/routes/delivery.ts')).toEqual([]);
    expect(rulesFor('callback-gateway/contract/uses-routes.ts')).toEqual(['import-x/no-restricted-paths']);
  });

  it('lets token code take only types and ConfigError from config/', () => {
    expect(rulesFor('keys/key-ring.ts')).toEqual(['@typescript-eslint/no-restricted-imports']);
    expect(rulesFor('keys/allowed.ts')).toEqual([]);
  });

  it('reports an import from a lower floor to a higher one, and product code importing tooling', () => {
    expect(rulesFor('config/upward.ts')).toEqual(['import-x/no-restricted-paths']);
    expect(rulesFor('worker/uses-tools.ts')).toEqual(['import-x/no-restricted-paths']);
    expect(rulesFor('tools/bench.ts')).toEqual([]);
  });

  it('reports a promise nobody awaits', () => {
    expect(rulesFor('config/floating.ts')).toEqual(['@typescript-eslint/no-floating-promises']);
  });

  it('reports an import cycle', () => {
    expect(rulesFor('config/cycle-a.ts')).toContain('import-x/no-cycle');
    expect(rulesFor('config/cycle-b.ts')).toContain('import-x/no-cycle');
  });
});
