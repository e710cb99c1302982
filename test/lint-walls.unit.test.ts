import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// The walls eslint.config.mjs holds, each shown failing on a small project laid out like this
// one (workflows/, worker/, callback-gateway/, lib/) in a temporary folder. ESLint runs as its own
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
    "import type { ConfigError } from '../lib/config';",
    "import { helper } from './helper';",
    'export const ok: [typeof condition, Duration?, ConfigError?, typeof helper] = [condition, undefined, undefined, helper];',
  ].join('\n'),
  'workflows/helper.ts': 'export const helper = 1;\n',
  'workflows/uses-node.ts': "import { createHash } from 'node:crypto';\nexport const hash = createHash;\n",
  'workflows/uses-package.ts': "import { z } from 'zod';\nexport const schema = z.string();\n",
  'workflows/uses-lib-value.ts': "import { ConfigError } from '../lib/config';\nexport const err = ConfigError;\n",
  'worker/index.ts': 'export const worker = 1;\n',
  'callback-gateway/server.ts': "import { worker } from '../worker/index';\nexport const w = worker;\n",
  'callback-gateway/sdk-worker.ts': "import { Worker } from '@temporalio/worker';\nexport const w = Worker;\n",
  'lib/config.ts': 'export class ConfigError extends Error {}\n',
  'lib/key-ring.ts': "import { ConfigError } from './config';\nexport const fail = (): never => {\n  throw new ConfigError('no');\n};\n",
  'lib/floating.ts': 'async function work(): Promise<void> {}\nexport function start(): void {\n  work();\n}\n',
  'lib/cycle-a.ts': "import { b } from './cycle-b';\nexport const a = (): number => b() + 1;\n",
  'lib/cycle-b.ts': "import { a } from './cycle-a';\nexport const b = (): number => (a.length > 0 ? 0 : 1);\n",
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
  it('lets workflow code import the SDK, workflows/ modules and types from elsewhere', () => {
    expect(rulesFor('workflows/allowed.ts')).toEqual([]);
  });

  it('keeps Node builtins, other packages and values from outside workflows/ out of workflow code', () => {
    expect(rulesFor('workflows/uses-node.ts')).toEqual(['no-restricted-imports']);
    expect(rulesFor('workflows/uses-package.ts')).toEqual(['no-restricted-imports']);
    expect(rulesFor('workflows/uses-lib-value.ts')).toEqual(['no-restricted-imports']);
  });

  it('keeps the worker out of the gateway', () => {
    expect(rulesFor('callback-gateway/server.ts')).toEqual(['import-x/no-restricted-paths']);
    expect(rulesFor('callback-gateway/sdk-worker.ts')).toEqual(['no-restricted-imports']);
  });

  it('keeps lib/config.ts out of token code', () => {
    expect(rulesFor('lib/key-ring.ts')).toEqual(['import-x/no-restricted-paths']);
  });

  it('reports a promise nobody awaits', () => {
    expect(rulesFor('lib/floating.ts')).toEqual(['@typescript-eslint/no-floating-promises']);
  });

  it('reports an import cycle', () => {
    expect(rulesFor('lib/cycle-a.ts')).toContain('import-x/no-cycle');
    expect(rulesFor('lib/cycle-b.ts')).toContain('import-x/no-cycle');
  });
});
