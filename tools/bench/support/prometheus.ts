/**
 * Prometheus text scraped from the Temporal server's and the SDK's `/metrics`, and what changed
 * between two scrapes: the trace reads the server's and the worker's own latency histograms over
 * exactly the samples it took.
 */

/** One scrape: every sample line's value, keyed by `name{labels}` as printed. */
export type Scrape = Map<string, number>;

/** Fetches and parses `url` (a `/metrics` endpoint). */
export async function scrape(url: string): Promise<Scrape> {
  const answer = await fetch(url);
  if (!answer.ok) throw new Error(`${url} answered ${answer.status}`);
  return parseScrape(await answer.text());
}

/** Parses Prometheus text exposition (comments and blank lines skipped). */
export function parseScrape(text: string): Scrape {
  const samples: Scrape = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const split = line.lastIndexOf(' ');
    const value = Number(line.slice(split + 1));
    if (Number.isFinite(value)) samples.set(line.slice(0, split), value);
  }
  return samples;
}

/** `after − before`, line by line: what counters and histograms gained between two scrapes. */
export function difference(before: Scrape, after: Scrape): Scrape {
  const changed: Scrape = new Map();
  for (const [key, value] of after) {
    const delta = value - (before.get(key) ?? 0);
    if (delta !== 0) changed.set(key, delta);
  }
  return changed;
}

/** A histogram's observations over a window, all matching series added up. */
export interface HistogramWindow {
  count: number;
  /** Mean, in the histogram's unit converted to ms. */
  meanMs: number;
  /** Upper bounds (ms) and how many observations fell at or under each. */
  buckets: Array<[number, number]>;
}

/** Whether `key`'s labels include every label of `where`; a value ending in `*` matches as a prefix. */
function matches(key: string, where: Record<string, string>): boolean {
  const labels = labelsOf(key);
  return Object.entries(where).every(([label, value]) => {
    const actual = labels[label];
    if (actual === undefined) return false;
    return value.endsWith('*') ? actual.startsWith(value.slice(0, -1)) : actual === value;
  });
}

function labelsOf(key: string): Record<string, string> {
  const open = key.indexOf('{');
  if (open === -1) return {};
  const labels: Record<string, string> = {};
  for (const match of key.slice(open + 1, -1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[match[1]!] = match[2]!;
  return labels;
}

/**
 * The histogram `name` over `window` (a {@link difference}), adding up every series whose labels
 * include `where`. `unitMs` converts its unit to ms: 1000 for the server's seconds, 1 for the
 * SDK's milliseconds. Undefined when nothing was observed.
 */
export function histogram(window: Scrape, name: string, where: Record<string, string> = {}, unitMs = 1000): HistogramWindow | undefined {
  let count = 0;
  let sum = 0;
  const buckets = new Map<number, number>();
  for (const [key, value] of window) {
    const metric = key.split('{')[0]!;
    if (metric === `${name}_count` && matches(key, where)) count += value;
    else if (metric === `${name}_sum` && matches(key, where)) sum += value;
    else if (metric === `${name}_bucket` && matches(key, where)) {
      const le = labelsOf(key).le!;
      const bound = le === '+Inf' ? Infinity : Number(le) * unitMs;
      buckets.set(bound, (buckets.get(bound) ?? 0) + value);
    }
  }
  if (count === 0) return undefined;
  return { count, meanMs: (sum * unitMs) / count, buckets: [...buckets].sort((a, b) => a[0] - b[0]) };
}

/** Sum of a counter (all series whose labels include `where`) over `window`. */
export function counter(window: Scrape, name: string, where: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, value] of window) if (key.split('{')[0] === name && matches(key, where)) total += value;
  return total;
}
