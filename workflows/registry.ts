/**
 * The workflows the bundled worker (`npm run worker`) registers. Point your own worker's
 * `workflowsPath` at a file like this one that exports your workflows.
 */
export { awaitCallback } from './await-callback';
export { ticketTriage } from './ticket-triage';
