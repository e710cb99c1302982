import { writeSync } from 'node:fs';
/** Fields attached to a log line. Never put a token, URL with a token, API key or signature here. */
export type LogFields = Record<string, unknown>;

/** The small logging surface the gateway and worker entry points use. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Where log lines go; `process.stdout` by default. */
export interface LogSink {
  write(line: string): unknown;
}

/** Field names whose values are never written, whatever a caller passes: a safety net, not the policy. */
const SECRET_FIELD = /token|secret|password|authorization|api[-_]?key$|signature|cookie/i;

/** Replaces the values of secret-looking fields (at any depth) with `[redacted]`. */
export function redact(fields: LogFields): LogFields {
  const seen = new WeakSet<object>();
  const walk = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    if (seen.has(value)) return '[circular]';
    seen.add(value);
    if (Array.isArray(value)) return value.map(walk);
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, SECRET_FIELD.test(name) ? '[redacted]' : walk(inner)]));
  };
  return walk(fields) as LogFields;
}

/**
 * A logger that writes one JSON object per line (`time`, `level`, `msg`, then the fields), the
 * shape log collectors ingest without configuration.
 */
export function createJsonLogger(sink: LogSink = process.stdout, base: LogFields = {}): Logger {
  const write = (level: string, msg: string, fields?: LogFields) => {
    sink.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...redact({ ...base, ...fields }) })}\n`);
  };
  return {
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}

/**
 * A logger that writes a short readable line per event (`12:00:01 info request status=202 ...`),
 * for people watching a terminal.
 */
export function createPrettyLogger(sink: LogSink = process.stdout, base: LogFields = {}): Logger {
  const write = (level: string, msg: string, fields?: LogFields) => {
    const parts = Object.entries(redact({ ...base, ...fields }))
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    sink.write(`${new Date().toISOString().slice(11, 23)} ${level.padEnd(5)} ${msg}${parts.length ? ` ${parts.join(' ')}` : ''}\n`);
  };
  return {
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}

/**
 * A sink that hands `target` the lines of one turn of the event loop in a single write, so a
 * burst of requests costs one write call instead of one each, off the path of the answers.
 * Whatever is pending when the process exits is written synchronously first.
 */
export function batchedSink(target: LogSink & { fd?: number }): LogSink {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const lines = pending.join('');
    pending = [];
    target.write(lines);
  };
  process.once('exit', () => {
    if (pending.length === 0) return;
    if (target.fd === undefined) return flush();
    writeSync(target.fd, pending.join(''));
    pending = [];
  });
  return {
    write(line: string) {
      if (pending.length === 0) setImmediate(flush);
      pending.push(line);
    },
  };
}

/**
 * JSON lines for log collectors, readable lines when stdout is a terminal or `LOG_FORMAT=pretty`;
 * written to stdout in batches ({@link batchedSink}).
 */
export function createLogger(options: { pretty: boolean }, base: LogFields = {}): Logger {
  const sink = batchedSink(process.stdout);
  return options.pretty ? createPrettyLogger(sink, base) : createJsonLogger(sink, base);
}

/** A logger that drops everything. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** The parts of an error worth logging: name, code, message, and the same for its causes. */
export function describeError(err: unknown, depth = 0): LogFields {
  if (!(err instanceof Error)) return { value: String(err) };
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    message: err.message,
    ...(code === undefined ? {} : { code }),
    ...(err.cause !== undefined && depth < 3 ? { cause: describeError(err.cause, depth + 1) } : {}),
  };
}
