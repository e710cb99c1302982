import { fixed, type Summary } from './stats';

/** Small markdown helpers the reports share. */

/** A table row. */
export const row = (cells: Array<string | number>): string => `| ${cells.join(' | ')} |`;

/** A target's "Met" cell. */
export const met = (ok: boolean): string => (ok ? 'yes' : '**no**');

/** `12.34 ms` */
export const ms = (value: number): string => `${fixed(value, 2)} ms`;

/** `+1.23 ms` / `−1.23 ms` */
export const signedMs = (value: number): string => `${value < 0 ? '−' : '+'}${fixed(Math.abs(value), 2)} ms`;

/** A latency row: name, n, p50, p90, p99, mean, max. */
export function latencyRow(name: string, s: Summary): string {
  return row([name, s.n, fixed(s.p50), fixed(s.p90), fixed(s.p99), fixed(s.mean), fixed(s.max)]);
}
