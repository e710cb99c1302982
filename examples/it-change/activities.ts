/** What the production change example does besides asking: apply the change once approved (here, it says so). Asking in Slack is the plugin's `notify` channel. */
export interface ChangeActivities {
  applyChange(change: { system: string; change: string; ticket: string }): Promise<void>;
}

/**
 * The example's activity. `applyChange` logs the change it would apply (a real one would call the
 * change system's API).
 */
export function createChangeActivities(options: { log?: (line: string) => void } = {}): ChangeActivities {
  const log = options.log ?? console.log;
  return {
    async applyChange({ system, change, ticket }) {
      log(`applying ${ticket}: ${change} on ${system}`);
    },
  };
}
