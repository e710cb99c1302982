import { sleep } from '../../../test/support/async';
import type { GatewayProcess } from './gateway-process';
import { cpuWindow } from './proc-cpu';
import { median } from './stats';

/** CPU seconds the gateway process has used, by its own count. */
async function gatewayCpuSeconds(gateway: GatewayProcess): Promise<number> {
  const usage = await gateway.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * CPU per sample for benchmarks that time one delivery at a time: each process's CPU over the
 * sample's window, less its use at rest. The processes are read from /proc (`cpuWindow`); the
 * gateway from its own `process.cpuUsage()` (µs), since /proc counts whole 10 ms ticks and one
 * request costs the gateway a few ms at most.
 */
export class SampleCpu {
  private idlePerSecond: Record<string, number>;
  private readSeconds = 0;

  /** `pids` by name; the one named `gateway` is read by `gateway`'s own count instead. */
  constructor(
    private readonly pids: Record<string, number>,
    private readonly gateway: GatewayProcess,
  ) {
    this.idlePerSecond = Object.fromEntries(Object.keys({ ...pids, gateway: 0 }).map((name) => [name, 0]));
  }

  /**
   * Measures each process at rest for about `restMs`, in whole seconds (10 or more: /proc counts
   * 10 ms ticks), and what reading the gateway's count costs it; until then nothing is
   * subtracted. Call it before the first request: after requests, rest would hold the collection
   * of their garbage (V8 collects when a busy process falls idle), which is their cost, not the
   * process's at rest.
   */
  async measureRest(restMs: number): Promise<void> {
    // By the second, and each process's median second: a process just started is still busy for
    // a few seconds, and an idle Node process collects garbage in bursts (tens of ms now and then);
    // one mean over the whole rest would spread either over every sample.
    const rates: Array<Record<string, number>> = [];
    for (let slice = 0; slice < Math.max(1, Math.round(restMs / 1000)); slice++) {
      const end = cpuWindow(this.pids);
      const gatewayBefore = await gatewayCpuSeconds(this.gateway);
      await sleep(1000);
      const gatewayUsed = (await gatewayCpuSeconds(this.gateway)) - gatewayBefore;
      const window = end();
      const used = { ...window.processes, gateway: gatewayUsed };
      rates.push(Object.fromEntries(Object.entries(used).map(([name, seconds]) => [name, seconds / window.wall])));
    }
    this.idlePerSecond = Object.fromEntries(Object.keys(rates[0]!).map((name) => [name, median(rates.map((rate) => rate[name]!))]));
    const readings: number[] = [];
    for (let k = 0; k < 21; k++) readings.push(await gatewayCpuSeconds(this.gateway));
    this.readSeconds = median(readings.slice(1).map((value, k) => value - readings[k]!));
  }

  /** CPU ms per second each process used at rest. */
  get idleMsPerSecond(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.idlePerSecond).map(([name, perSecond]) => [name, 1000 * perSecond]));
  }

  /** What reading the gateway's own count costs it, µs per window (subtracted): the median step between back-to-back readings. */
  get gatewayReadUs(): number {
    return 1e6 * this.readSeconds;
  }

  /** Starts a window; the result ends it: CPU seconds by process name, use at rest subtracted. */
  async start(): Promise<() => Promise<Record<string, number>>> {
    const gatewayStart = await gatewayCpuSeconds(this.gateway);
    const end = cpuWindow(this.pids);
    return async () => {
      const window = end();
      const used = { ...window.processes, gateway: (await gatewayCpuSeconds(this.gateway)) - gatewayStart - this.readSeconds };
      return Object.fromEntries(Object.entries(used).map(([name, seconds]) => [name, seconds - this.idlePerSecond[name]! * window.wall]));
    };
  }
}
