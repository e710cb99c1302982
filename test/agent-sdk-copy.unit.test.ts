import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO_ROOT } from './support/repo';

/** A node of `npm ls --json`'s tree. */
interface NpmNode {
  version?: string;
  dependencies?: Record<string, NpmNode>;
}

const SDK_PACKAGES = ['@temporalio/workflow', '@temporalio/common', '@temporalio/activity', '@temporalio/client', '@temporalio/plugin', '@temporalio/proto'];

/** Every version of `name` anywhere in the tree, with where it sits. */
function versionsOf(tree: NpmNode, name: string, where = 'root', found: string[] = []): string[] {
  for (const [dependency, node] of Object.entries(tree.dependencies ?? {})) {
    if (dependency === name && node.version) found.push(`${node.version} (under ${where})`);
    versionsOf(node, name, dependency, found);
  }
  return found;
}

describe('one copy of the Temporal SDK beside @temporalio/ai-sdk', () => {
  test('npm ls finds one version of each SDK package: the overrides point @temporalio/ai-sdk (and its workflow-streams) at the root copies', async () => {
    const { stdout } = await promisify(execFile)('npm', ['ls', ...SDK_PACKAGES, '--all', '--json'], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
    const tree = JSON.parse(stdout) as NpmNode;
    expect(tree.dependencies?.['@temporalio/ai-sdk']?.version).toBeDefined();
    for (const name of SDK_PACKAGES) {
      const versions = new Set(versionsOf(tree, name).map((each) => each.split(' ')[0]));
      expect({ name, versions: [...versions] }).toEqual({ name, versions: [expect.any(String)] });
    }
    const root = require('@temporalio/workflow/package.json') as { version: string };
    expect(versionsOf(tree, '@temporalio/workflow').every((each) => each.startsWith(`${root.version} `))).toBe(true);
  }, 60_000);
});
