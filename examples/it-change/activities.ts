/** What the production change example does once the change board approved: here, it says so. */
export interface ChangeActivities {
  applyChange(change: { system: string; change: string; ticket: string }): Promise<void>;
}

/** The example's activities. A real one would call the change system's API; this one logs the change it would apply. */
export function createChangeActivities(log: (line: string) => void = console.log): ChangeActivities {
  return {
    async applyChange({ system, change, ticket }) {
      log(`applying ${ticket}: ${change} on ${system}`);
    },
  };
}
