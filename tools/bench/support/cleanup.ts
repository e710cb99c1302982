/**
 * What the benchmark run must undo however it ends (success, failure, Ctrl-C): child processes,
 * the Temporal dev server, connections. Steps run once, newest first.
 */
export class Cleanup {
  private readonly steps: Array<{ name: string; run: () => Promise<void> | void }> = [];
  private running: Promise<void> | undefined;

  /** Registers `run` to happen at cleanup; returns a function that runs it now (once) instead. */
  add(name: string, run: () => Promise<void> | void): () => Promise<void> {
    const step = { name, run };
    this.steps.push(step);
    return async () => {
      const index = this.steps.indexOf(step);
      if (index === -1) return;
      this.steps.splice(index, 1);
      await step.run();
    };
  }

  /** Runs every registered step, newest first; a failing step is reported and the rest still run. */
  run(): Promise<void> {
    this.running ??= (async () => {
      while (this.steps.length > 0) {
        const step = this.steps.pop()!;
        try {
          await step.run();
        } catch (err) {
          console.error(`[bench] cleanup step '${step.name}' failed:`, err);
        }
      }
    })();
    return this.running;
  }

  /** On SIGINT/SIGTERM: clean up, then exit with 128 + the signal number. */
  onSignals(): void {
    const handle = (signal: NodeJS.Signals, code: number) => {
      process.once(signal, () => {
        console.error(`\n[bench] ${signal}: stopping what the benchmark started...`);
        void this.run().finally(() => process.exit(128 + code));
      });
    };
    handle('SIGINT', 2);
    handle('SIGTERM', 15);
  }
}
