/** Small time helpers shared by the suite. */

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `ms` as seconds with one decimal, e.g. `12.3 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Polls `check` every `intervalMs` until it returns true; resolves with how long that took, or
 * rejects with `what` after `timeoutMs`.
 */
export async function pollUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started >= timeoutMs) throw new Error(`${what}: not within ${seconds(timeoutMs)}`);
    await sleep(intervalMs);
  }
}
