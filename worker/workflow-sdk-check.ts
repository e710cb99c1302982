import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The oldest Temporal TypeScript SDK durable-callbacks works with, the floor of its
 * `peerDependencies` (keep the two equal): activities read `Context.current().info.namespace`
 * (added in 1.17.0); 1.18.1 is the first release with every `@temporalio/*` package the library
 * loads (`plugin` and `envconfig` included) at one version; and on 1.18.1 a delivery to
 * `awaitCallback` started with `startAwaitCallback` never arrives, which 1.18.2 fixes (the package
 * test installs the floor and completes callbacks on it).
 */
export const TEMPORAL_SDK_FLOOR = '1.18.2';

/** One `@temporalio/workflow` a worker's workflow bundle would take, and who resolves it. */
export interface WorkflowSdkCopy {
  /** Who resolves it: `durable-callbacks`, `your workflows (<path>)`, `@temporalio/worker (<path>)`. */
  readonly resolvedBy: string;
  /** The copy's `package.json`, real path. */
  readonly packageJson: string;
  readonly version: string;
}

function versionParts(version: string): [number, number, number] | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** Whether `version` is below `floor`; an unparsable version is not judged. */
export function isBelowFloor(version: string, floor: string = TEMPORAL_SDK_FLOOR): boolean {
  const have = versionParts(version);
  const want = versionParts(floor);
  if (!have || !want) return false;
  for (let i = 0; i < 3; i++) if (have[i] !== want[i]) return have[i]! < want[i]!;
  return false;
}

const FIX =
  'Run `npm ls @temporalio/workflow` to see every copy, give every @temporalio/* package in your project one version ' +
  `(${TEMPORAL_SDK_FLOOR} or later), then \`npm dedupe\` (or remove node_modules and package-lock.json and install again).`;

/**
 * Why a worker must not start with these copies of `@temporalio/workflow`, or `undefined` when it
 * may: all resolve to one copy, at the floor or later. Two copies in one workflow bundle make
 * every workflow fail at `callback.wait()` (`Cannot read private member #cancelRequested`),
 * forever, so the worker refuses to start instead. The first copy is the library's own.
 */
export function workflowSdkProblem(copies: readonly WorkflowSdkCopy[], floor: string = TEMPORAL_SDK_FLOOR): string | undefined {
  const distinct = new Map<string, WorkflowSdkCopy[]>();
  for (const copy of copies) distinct.set(copy.packageJson, [...(distinct.get(copy.packageJson) ?? []), copy]);
  if (distinct.size > 1) {
    const listed = [...distinct.entries()]
      .map(([file, by]) => `  ${path.dirname(file)} (${by[0]!.version}), resolved by ${by.map((copy) => copy.resolvedBy).join(' and ')}`)
      .join('\n');
    return (
      `durable-callbacks: this worker would bundle ${distinct.size} copies of @temporalio/workflow into its workflows:\n${listed}\n` +
      'Workflows would then fail at every callback.wait() (Cannot read private member #cancelRequested), so the worker does not start. ' +
      FIX
    );
  }
  const [copy] = copies;
  if (copy && isBelowFloor(copy.version, floor)) {
    return (
      `durable-callbacks needs @temporalio/workflow ${floor} or later; this worker loads ${copy.version} from ${path.dirname(copy.packageJson)}. ` +
      `Upgrade every @temporalio/* package in your project to one version, ${floor} or later ` +
      '(e.g. `npm install @temporalio/client@latest @temporalio/worker@latest @temporalio/workflow@latest`), then run `npm ls @temporalio/workflow`.'
    );
  }
  return undefined;
}

/** The `@temporalio/workflow` that `require` finds from `fromDir`, or `undefined` when none is found there. */
function resolveCopy(resolvedBy: string, fromDir?: string): WorkflowSdkCopy | undefined {
  try {
    const packageJson = require.resolve('@temporalio/workflow/package.json', fromDir ? { paths: [fromDir] } : undefined);
    const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
    return { resolvedBy, packageJson, version };
  } catch {
    return undefined;
  }
}

/**
 * The `@temporalio/worker` packages loaded in this process (their folders), found in the module
 * cache: the worker's own workflow interceptors import `@temporalio/workflow` from there, so that
 * copy ends up in the bundle too.
 */
function loadedWorkerPackages(): string[] {
  const folders = new Set<string>();
  for (const file of Object.keys(require.cache)) {
    const match = /^(.*[\\/]node_modules[\\/]@temporalio[\\/]worker)[\\/]lib[\\/]/.exec(file);
    if (match) folders.add(match[1]!);
  }
  return [...folders];
}

/**
 * The copies of `@temporalio/workflow` a worker bundling `workflowsPath` would take: the library's,
 * the one the user's workflows import, and each loaded `@temporalio/worker`'s.
 */
export function workflowSdkCopies(workflowsPath?: string): WorkflowSdkCopy[] {
  const copies = [resolveCopy('durable-callbacks')];
  if (workflowsPath) copies.push(resolveCopy(`your workflows (${workflowsPath})`, path.dirname(workflowsPath)));
  for (const folder of loadedWorkerPackages()) copies.push(resolveCopy(`@temporalio/worker (${folder})`, folder));
  return copies.filter((copy): copy is WorkflowSdkCopy => copy !== undefined);
}
