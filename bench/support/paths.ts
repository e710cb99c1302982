import path from 'node:path';
import { devServer } from '../../test/support/dev-server';
import { dataDir } from '../../test/support/repo';

export { REPO_ROOT } from '../../test/support/repo';

/** Everything a bench run writes: Temporal's data, the workflow bundle, profiles, results. */
export const BENCH_DATA_DIR = dataDir('bench');

/** CPU profiles of the gateway taken during the run. */
export const BENCH_PROFILE_DIR = path.join(BENCH_DATA_DIR, 'profiles');

/**
 * The benchmarks' own dev server on 127.0.0.1:37233 (apart from npm start's 7233, the tests'
 * 17233 and the fault suite's 27233), its data in `.data/bench/temporal`, emptied at the start of
 * every run.
 */
export const benchTemporal = devServer({ port: 37233, uiPort: 38233, dataDir: path.join(BENCH_DATA_DIR, 'temporal') });
