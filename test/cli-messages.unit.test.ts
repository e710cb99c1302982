import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './support/repo';
import { runTsx } from './support/processes';

/**
 * What the package tells its users to run names its own command (`durable-callbacks keys ...`,
 * the bin an installed package has), never this repository's npm scripts, which an installed
 * package does not have. No Temporal server: the `keys` commands work on files.
 */

/** The folders the package is built from (tsconfig.build.json's `include`). */
const PRODUCT_FOLDERS = ['protocol', 'config', 'keys', 'api-keys', 'tokens', 'codec', 'workflows', 'activities', 'client', 'worker', 'callback-gateway', 'cli'];

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await fs.readdir(path.join(REPO_ROOT, folder), { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => path.join(entry.parentPath, entry.name));
}

let dataDir: string;
beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-cli-messages-'));
});
afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

const keys = (...args: string[]) => runTsx('cli/main.ts', ['keys', ...args], { DURABLE_CALLBACKS_DATA_DIR: dataDir });

describe('the keys commands name the installed command in what they print', () => {
  test('no product source names a script only this repository has (`npm run keys`, `npm start`, `npm run gateway`, ...)', async () => {
    const offenders: string[] = [];
    for (const folder of PRODUCT_FOLDERS) {
      for (const file of await sourceFiles(folder)) {
        const text = await fs.readFile(file, 'utf8');
        for (const match of text.matchAll(/npm (?:run [\w:-]+|start|test)\b/g)) offenders.push(`${path.relative(REPO_ROOT, file)}: ${match[0]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test('list (empty), create, rotate and their usage errors point at `durable-callbacks keys ...`', async () => {
    const empty = await keys('list');
    expect(empty.stdout).toContain('Create one with `durable-callbacks keys create --name <name>`');

    const created = await keys('create', '--name', 'ticketing');
    expect(created.code).toBe(0);
    const id = /Created API key ([0-9a-f]{16})/.exec(created.stdout)![1]!;
    expect(created.stdout).toContain(`revoke it with \`durable-callbacks keys revoke ${id}\``);

    const rotated = await keys('rotate', id);
    expect(rotated.stdout).toContain(`\`durable-callbacks keys revoke ${id}\``);

    const usage = await keys('revoke');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('`durable-callbacks keys list` shows the ids');
    expect(usage.stderr).toContain('durable-callbacks keys revoke <id>');
    expect(usage.stderr).toContain('`durable-callbacks keys help` lists every command');

    const help = await keys('help');
    for (const result of [empty, created, rotated, usage, help]) expect(result.stdout + result.stderr).not.toContain('npm run');
  }, 60_000);
});
