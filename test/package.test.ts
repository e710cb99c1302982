import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { freePort } from './support/dev-server';
import { REPO_ROOT, TEST_TEMPORAL_ADDRESS } from './support/test-env';

const run = promisify(execFile);
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'package-consumer');
const repoPackage = JSON.parse(require('node:fs').readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

type ModuleKind = 'commonjs' | 'module';

/** Runs the consumer's `durable-callbacks` bin; answers its exit code and output instead of throwing on a non-zero exit. */
async function bin(dir: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(path.join(dir, 'node_modules', '.bin', 'durable-callbacks'), args, { cwd: dir, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Every `@temporalio/*` package the library loads: its peers. */
const SDK_PACKAGES = Object.keys(repoPackage.peerDependencies).filter((name) => name.startsWith('@temporalio/'));
/** The oldest SDK the package declares it works with: the floor of its peer range (`^1.18.1`). */
const SDK_FLOOR = repoPackage.peerDependencies['@temporalio/workflow']!.replace(/^\^/, '');

/**
 * A fresh user project: its own package.json, tsconfig, workflow, worker and client, with the
 * tarball installed. With `sdk`, the project is locked to that version of every `@temporalio/*`
 * package the library loads, as a project on an older SDK is; without, it takes the newest.
 */
async function createConsumer(root: string, kind: ModuleKind, tarball: string, sdk?: string): Promise<string> {
  const dir = path.join(root, `${kind === 'module' ? 'consumer-esm' : 'consumer-cjs'}${sdk ? `-sdk-${sdk}` : ''}`);
  await fs.mkdir(dir);
  for (const file of ['workflows.ts', 'main.ts', 'tsconfig.json']) await fs.copyFile(path.join(FIXTURE, file), path.join(dir, file));
  await fs.copyFile(path.join(FIXTURE, kind === 'module' ? 'workflows-path.esm.ts' : 'workflows-path.cjs.ts'), path.join(dir, 'workflows-path.ts'));
  const dependency = (name: string) => [name, repoPackage.dependencies[name] ?? repoPackage.devDependencies[name]!];
  await fs.writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: `consumer-${kind}`,
      private: true,
      type: kind,
      dependencies: Object.fromEntries([
        ['durable-callbacks', `file:${tarball}`],
        ...(sdk ? SDK_PACKAGES.map((name) => [name, sdk]) : ['@temporalio/client', '@temporalio/worker', '@temporalio/workflow'].map(dependency)),
      ]),
      devDependencies: Object.fromEntries(['typescript', 'tsx', '@types/node'].map(dependency)),
    }),
  );
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: dir, timeout: 300_000 });
  return dir;
}

/** Where `npm ls` finds `name` in the project: one folder when the project has one copy. */
async function installedCopies(dir: string, name: string): Promise<string[]> {
  const { stdout } = await run('npm', ['ls', name, '--all', '--parseable'], { cwd: dir });
  return [...new Set(stdout.trim().split('\n').filter(Boolean))];
}

/** The version of `name` installed at the project's top level. */
async function installedVersion(dir: string, name: string): Promise<string> {
  return (JSON.parse(await fs.readFile(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Type-checks the project, starts the package's gateway with its bin and runs the project's own
 * worker and client (main.ts): a callback in the user's workflow and one in `awaitCallback`
 * complete end to end; the gateway loads the client, never the worker.
 */
async function completeCallbacks(dir: string): Promise<void> {
  await run(path.join(dir, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', '.'], { cwd: dir });
  const env = { ...process.env, TEMPORAL_ADDRESS: TEST_TEMPORAL_ADDRESS, CALLBACK_SIGNING_SECRET: randomBytes(32).toString('base64'), DURABLE_CALLBACKS_DATA_DIR: path.join(dir, '.data') };
  const gateway = await startGatewayBin(dir, env);
  try {
    const { stdout } = await run(path.join(dir, 'node_modules', '.bin', 'tsx'), ['main.ts'], { cwd: dir, timeout: 180_000, env: { ...env, CALLBACK_BASE_URL: gateway.url } });
    const outcome = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    const received = { status: 'received', data: { decision: 'approve' } };
    expect(outcome).toMatchObject({ own: { user: 'dana', posted: 202, answer: received }, ready: { urlPrefix: true, posted: 202, answer: received } });
    const loaded = await gateway.loaded();
    expect(loaded).toContain('@temporalio/client');
    expect(loaded.filter((name) => name === '@temporalio/worker' || name === '@temporalio/core-bridge')).toEqual([]);
  } finally {
    gateway.child.kill('SIGTERM');
    await once(gateway.child, 'exit');
  }
}

/** The package's gateway, started with its bin as an operator would, with a trace of the Temporal packages it loads. */
async function startGatewayBin(dir: string, env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess; loaded(): Promise<string[]> }> {
  const traceFile = path.join(dir, 'gateway-loads.txt');
  const child = spawn(path.join(dir, 'node_modules', '.bin', 'durable-callbacks'), ['gateway'], {
    cwd: dir,
    env: { ...env, GATEWAY_PORT: '0', LOG_FORMAT: 'json', DC_LOAD_TRACE_FILE: traceFile, NODE_OPTIONS: `--require ${path.join(FIXTURE, 'trace-temporal-loads.cjs')}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the gateway exited (code ${code}) before it listened`);
  });
  const listening = (async () => {
    for await (const line of lines) {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'gateway listening' && entry.url) return entry.url;
    }
    throw new Error('the gateway closed its output before it listened');
  })();
  const url = await Promise.race([listening, exited]);
  return { url, child, loaded: async () => (await fs.readFile(traceFile, 'utf8')).trim().split('\n') };
}

/**
 * What a user gets from the package: `npm pack` it (its `prepack` builds it afresh), install the tarball into two fresh
 * projects (CommonJS and ES module), type-check each project's own workflow, worker and client
 * with `tsc --noEmit`, start the package's gateway with its bin, and complete callbacks end to end
 * through the plugin on a plain `Worker.create`: the user's own workflow, and the ready-made
 * `awaitCallback` started with `startAwaitCallback`; once on the newest SDK, and once in a project
 * locked to the floor of its peer range.
 */
describe('the packed package', () => {
  let root: string;
  let tarball: string;
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-consumer-'));
    const repositoryReadme = await fs.readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const { stdout: packed } = await run('npm', ['pack', '--json', '--pack-destination', root], { cwd: REPO_ROOT });
    const { filename, files } = (JSON.parse(packed) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
    const paths = files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['dist/workflows/index.js', 'dist/workflows/index.d.ts', 'dist/worker/index.js', 'dist/cli/main.js']));
    expect(paths.some((file) => /^(test|examples|bench|faults|\.data)\//.test(file) || file.startsWith('dist/examples/'))).toBe(false);
    expect(paths).toEqual(expect.arrayContaining(['README.md', 'temporal-dev.sh', 'docs/workflow-authors.md']));
    expect(paths).not.toContain('docs/package-readme.md');
    // The package's README stands in for the repository's only while npm packs: the working tree is as it was.
    expect(await fs.readFile(path.join(REPO_ROOT, 'README.md'), 'utf8')).toBe(repositoryReadme);
    tarball = path.join(root, filename);
  }, 120_000);
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  });

  test.each<ModuleKind>(['commonjs', 'module'])(
    'installs into a fresh %s project, type-checks, and completes callbacks through the plugin and the gateway bin',
    async (kind) => {
      const dir = await createConsumer(root, kind, tarball);
      // The SDK is the project's, one copy: the package declares it as peers and nests none of its own.
      expect(await installedCopies(dir, '@temporalio/workflow')).toEqual([path.join(dir, 'node_modules', '@temporalio', 'workflow')]);
      await completeCallbacks(dir);

      const { stdout: help } = await run(path.join(dir, 'node_modules', '.bin', 'durable-callbacks'), ['help'], { cwd: dir });
      expect(help).toContain('durable-callbacks gateway');
      expect(help).toContain('durable-callbacks dev-server');

      // The README users get is the package's: what they can run, never this repository's scripts.
      const readme = await fs.readFile(path.join(dir, 'node_modules', 'durable-callbacks', 'README.md'), 'utf8');
      expect(readme).toBe(await fs.readFile(path.join(REPO_ROOT, 'docs', 'package-readme.md'), 'utf8'));
      for (const command of ['npx durable-callbacks gateway', 'npx durable-callbacks keys', 'npx durable-callbacks dev-server', 'durableCallbacksFromEnv()', 'webhookMailbox']) {
        expect(readme).toContain(command);
      }
      expect([...readme.matchAll(/npm (?:run [\w:-]+|start|test)\b/g)].map((match) => match[0])).toEqual([]);
      for (const link of readme.matchAll(/\]\(((?:docs\/)?[\w-]+\.md)[#)]/g)) await fs.access(path.join(dir, 'node_modules', 'durable-callbacks', link[1]!));

      // A local Temporal for development: asked on a port where none runs, it starts nothing and names its data folder, outside node_modules.
      const devHelp = await bin(dir, ['dev-server', '--help']);
      expect(devHelp).toMatchObject({ code: 0, stdout: expect.stringContaining('TEMPORAL_DATA_DIR') });
      const port = await freePort();
      const { TEMPORAL_DATA_DIR: _unset, DURABLE_CALLBACKS_DATA_DIR: _unsetToo, ...inherited } = process.env;
      const status = await bin(dir, ['dev-server', 'status'], { ...inherited, TEMPORAL_PORT: String(port) });
      expect(status).toMatchObject({ code: 3, stdout: `not running on 127.0.0.1:${port} (data dir ${path.join(dir, '.data', 'temporal')})\n` });
      await expect(fs.access(path.join(dir, '.data', 'temporal'))).rejects.toThrow();
    },
    480_000,
  );

  test(`installs into a project locked to the oldest SDK it supports (${SDK_FLOOR}), with one copy of it, and completes callbacks`, async () => {
    const dir = await createConsumer(root, 'commonjs', tarball, SDK_FLOOR);
    for (const name of ['@temporalio/workflow', '@temporalio/common']) {
      expect(await installedVersion(dir, name)).toBe(SDK_FLOOR);
      expect(await installedCopies(dir, name)).toEqual([path.join(dir, 'node_modules', ...name.split('/'))]);
    }
    await completeCallbacks(dir);
  }, 480_000);
});
