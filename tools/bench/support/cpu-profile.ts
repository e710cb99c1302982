import { promises as fs } from 'node:fs';
import { Session } from 'node:inspector';
import { findSourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileFrame {
  callFrame: { url: string; lineNumber: number; columnNumber: number };
}

/**
 * tsx compiles each TypeScript file to a single line, so a profile's line numbers say nothing;
 * the source maps it registers with Node put each frame back on its TypeScript line.
 */
function remapToSources(profile: { nodes: ProfileFrame[] }): void {
  for (const { callFrame } of profile.nodes) {
    if (!callFrame.url.endsWith('.ts') || callFrame.lineNumber < 0) continue;
    const file = callFrame.url.startsWith('file:') ? fileURLToPath(callFrame.url) : callFrame.url;
    const entry = findSourceMap(file)?.findEntry(callFrame.lineNumber, callFrame.columnNumber) as { originalLine?: number; originalColumn?: number } | undefined;
    if (entry?.originalLine === undefined) continue;
    callFrame.lineNumber = entry.originalLine;
    callFrame.columnNumber = entry.originalColumn ?? 0;
  }
}

/**
 * CPU profiling of the current process through the inspector: the same `.cpuprofile` as
 * `node --cpu-prof`, but only over the window the benchmark measures.
 */
export class CpuProfiler {
  private session: Session | undefined;

  private post<T>(method: string, params?: object): Promise<T> {
    return new Promise((resolve, reject) => {
      this.session!.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
    });
  }

  /** Starts sampling every `intervalUs` microseconds. */
  async start(intervalUs = 250): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.post('Profiler.start');
  }

  /**
   * Stops sampling and writes the profile to `file` (open it in Chrome DevTools or VS Code),
   * with TypeScript frames on their source lines.
   */
  async stop(file: string): Promise<void> {
    if (!this.session) throw new Error('the profiler is not running');
    const { profile } = await this.post<{ profile: { nodes: ProfileFrame[] } }>('Profiler.stop');
    this.session.disconnect();
    this.session = undefined;
    remapToSources(profile);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, JSON.stringify(profile));
  }
}
