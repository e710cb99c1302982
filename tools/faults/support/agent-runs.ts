/** The variable naming the file each run of an agent drill tool appends a line to (`<tool> <host>`), so runs are counted across worker processes. */
export const AGENT_RUNS_FILE_ENV = 'AGENT_DRILL_RUNS_FILE';
