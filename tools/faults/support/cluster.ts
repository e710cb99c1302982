import path from 'node:path';
import { dataDir } from '../../../test/support/repo';
import { temporalCluster } from '../../../test/support/temporal-cluster';

/**
 * `npm run faults -- --cluster`: the suite runs against a Temporal cluster started with
 * `temporal-cluster.sh` (the real server on PostgreSQL, each service in its own process)
 * instead of its dev server, and adds the scenarios that kill one service of it.
 */

/** The command-line switch. */
export const CLUSTER_FLAG = '--cluster';

/** Whether this run is against the cluster. */
export const ON_CLUSTER = process.argv.includes(CLUSTER_FLAG);

/**
 * The suite's cluster: frontend on 127.0.0.1:27333 (history, matching, worker on 27334-27336,
 * metrics on 27353-27356), membership on 27373-27376, PostgreSQL on 27390; its configuration,
 * logs and database under `.data/faults/cluster` (emptied at the start of each suite run).
 */
export const faultsCluster = temporalCluster({
  port: 27333,
  membershipPort: 27373,
  pgPort: 27390,
  dataDir: path.join(dataDir('faults'), 'cluster'),
});

/** What the suite's messages call its Temporal. */
export const TEMPORAL_KIND = ON_CLUSTER ? 'Temporal cluster' : 'Temporal dev server';
