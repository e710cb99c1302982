import path from 'node:path';

/** The repository's root folder. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The tsx launcher the suites start TypeScript children with. */
export const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

/** A folder under `.data/`, where the tests, the fault suite and the benchmarks keep what they write. */
export function dataDir(...parts: string[]): string {
  return path.join(REPO_ROOT, '.data', ...parts);
}
