import type { Scenario } from '../support/scenario';
import { agentWorkerKilled } from './agent-worker-killed';
import { duplicates } from './duplicates';
import { evicted } from './evicted';
import { gatewayKilled } from './gateway-killed';
import { gracefulShutdown } from './graceful-shutdown';
import { lostAnswers } from './lost-answers';
import { scaleOut } from './scale-out';
import { temporalDown } from './temporal-down';
import { reminderWorkerKilled } from './reminder-worker-killed';
import { voteAnswersLost } from './vote-answers-lost';
import { webhookWorkerDown } from './webhook-worker-down';
import { workerDown } from './worker-down';

/** Every scenario, in the order the suite runs them. */
export const SCENARIOS: Scenario[] = [workerDown, temporalDown, gatewayKilled, lostAnswers, duplicates, gracefulShutdown, evicted, scaleOut, webhookWorkerDown, voteAnswersLost, reminderWorkerKilled, agentWorkerKilled];
