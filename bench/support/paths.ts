import path from 'node:path';

/** The repository's root folder. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Everything a bench run writes: Temporal's data, the workflow bundle, profiles, results. */
export const BENCH_DATA_DIR = path.join(REPO_ROOT, '.data', 'bench');

/** The bench dev server's data folder, emptied at the start of every run. */
export const BENCH_TEMPORAL_DATA_DIR = path.join(BENCH_DATA_DIR, 'temporal');

/** CPU profiles of the gateway taken during the run. */
export const BENCH_PROFILE_DIR = path.join(BENCH_DATA_DIR, 'profiles');
