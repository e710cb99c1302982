/** The fields every pino line starts or ends with, shown in front rather than as `name=value`. */
const FRAME_FIELDS = new Set(['time', 'level', 'msg']);

/**
 * One of pino's JSON lines as a short readable line: `12:00:01.250 info  request status=202 ...`,
 * for people watching a terminal. pino-pretty does this too, but is not a dependency of the
 * package; the JSON line it is made from is already redacted.
 */
export function prettyLine(jsonLine: string): string {
  const entry = JSON.parse(jsonLine) as Record<string, unknown>;
  const parts = Object.entries(entry)
    .filter(([name, value]) => !FRAME_FIELDS.has(name) && value !== undefined)
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `${String(entry.time).slice(11, 23)} ${String(entry.level).padEnd(5)} ${String(entry.msg)}${parts.length ? ` ${parts.join(' ')}` : ''}\n`;
}

/** A sink that takes pino's JSON lines and writes them to `target` as {@link prettyLine}s. */
export function prettyLines(target: { write(line: string): unknown }): { write(line: string): unknown } {
  return { write: (line: string) => target.write(prettyLine(line)) };
}
