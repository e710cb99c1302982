import type { Scenario } from '../support/scenario';
import { frontendRestarted } from './frontend-restarted';
import { historyKilled } from './history-killed';
import { matchingKilled } from './matching-killed';
import { postgresRestarted } from './postgres-restarted';

/** The scenarios that hit one process of a Temporal cluster; they run only with `--cluster`, after {@link SCENARIOS}. */
export const CLUSTER_SCENARIOS: Scenario[] = [historyKilled, matchingKilled, frontendRestarted, postgresRestarted];
