/** What the agent's tools do: here they only say so (a real agent would call its systems). */
export interface OpsActivities {
  diskUsage(host: string): Promise<{ host: string; usedPercent: number }>;
  restartService(host: string, service: string): Promise<{ restarted: string }>;
}

/** The example's tools, logging what they do through `log`. */
export function createOpsActivities(log: (line: string) => void = console.log): OpsActivities {
  return {
    async diskUsage(host) {
      log(`disk usage of ${host} read: 91% used`);
      return { host, usedPercent: 91 };
    },
    async restartService(host, service) {
      log(`${service} restarted on ${host}`);
      return { restarted: `${service}@${host}` };
    },
  };
}
