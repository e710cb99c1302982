import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, TEST_TEMPORAL_ADDRESS } from './support/test-env';

const run = promisify(execFile);

/**
 * What a user gets from the package: build it, `npm pack` it, install the tarball into a fresh
 * project, bundle a workflow that imports `durable-callbacks/workflows` with the Temporal worker,
 * and run it against the dev server through the package's own gateway.
 */
describe('the packed package', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-consumer-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  });

  test('installs into a fresh project and runs a user workflow end to end', async () => {
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT });
    const { stdout: packed } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: REPO_ROOT });
    const { filename, files } = (JSON.parse(packed) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
    const paths = files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['dist/workflows/index.js', 'dist/workflows/index.d.ts', 'dist/cli/main.js']));
    expect(paths.some((file) => file.startsWith('test/') || file.startsWith('.data/'))).toBe(false);

    const fixture = path.join(REPO_ROOT, 'test', 'fixtures', 'package-consumer');
    await fs.copyFile(path.join(fixture, 'workflows.ts'), path.join(dir, 'workflows.ts'));
    await fs.copyFile(path.join(fixture, 'run.js'), path.join(dir, 'run.js'));
    await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, dependencies: { 'durable-callbacks': `file:./${filename}` } }));
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: dir, timeout: 300_000 });

    const { stdout } = await run(process.execPath, ['run.js'], {
      cwd: dir,
      timeout: 120_000,
      env: { ...process.env, TEMPORAL_ADDRESS: TEST_TEMPORAL_ADDRESS, CALLBACK_SIGNING_SECRET: randomBytes(32).toString('base64'), DURABLE_CALLBACKS_DATA_DIR: path.join(dir, '.data') },
    });
    const outcome = JSON.parse(stdout.trim().split('\n').pop()!) as { urlPrefix: boolean; status: number; result: { user: string; answer: { status: string; data: unknown } } };
    expect(outcome).toMatchObject({ urlPrefix: true, status: 202, result: { user: 'dana', answer: { status: 'received', data: { decision: 'approve' } } } });

    const { stdout: help } = await run(path.join(dir, 'node_modules', '.bin', 'durable-callbacks'), ['help'], { cwd: dir });
    expect(help).toContain('durable-callbacks keys');
  }, 480_000);
});
