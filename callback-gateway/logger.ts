import pino from 'pino';
import { LOG_REDACTION, redact } from './log-redaction';
import { prettyLines } from './pretty-log-lines';

export { redact } from './log-redaction';

/** Fields attached to a log line. Never put a token, URL with a token, API key or signature here. */
export type LogFields = Record<string, unknown>;

/** The small logging surface the gateway and worker entry points use. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Where log lines go: `process.stdout`, pino's destination, or a test's array. */
export interface LogSink {
  write(line: string): unknown;
}

const NO_FIELDS: LogFields = Object.freeze({});

/**
 * A pino logger writing to `sink`, behind the {@link Logger} surface: each line is
 * `{"level":"info","time":"<ISO 8601>",<base>,<fields>,"msg":"..."}`, redacted by pino (see
 * log-redaction.ts), and handed to `sink.write` at once, in the caller's turn.
 */
function pinoLogger(sink: LogSink, base: LogFields): Logger {
  const logger = pino(
    {
      base: redact(base),
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: redact },
      redact: LOG_REDACTION,
    },
    sink as pino.DestinationStream,
  );
  return {
    info: (msg, fields) => logger.info(fields ?? NO_FIELDS, msg),
    warn: (msg, fields) => logger.warn(fields ?? NO_FIELDS, msg),
    error: (msg, fields) => logger.error(fields ?? NO_FIELDS, msg),
  };
}

/**
 * A logger that writes one JSON object per line (`level`, `time`, then the fields, then `msg`),
 * the shape log collectors ingest without configuration.
 */
export function createJsonLogger(sink: LogSink = process.stdout, base: LogFields = {}): Logger {
  return pinoLogger(sink, base);
}

/**
 * A logger that writes a short readable line per event (`12:00:01.250 info  request status=202 ...`),
 * for people watching a terminal: the same redacted pino lines, reformatted.
 */
export function createPrettyLogger(sink: LogSink = process.stdout, base: LogFields = {}): Logger {
  return pinoLogger(prettyLines(sink), base);
}

/**
 * JSON lines for log collectors, readable lines when stdout is a terminal or `LOG_FORMAT=pretty`,
 * written to stdout by pino's asynchronous destination: a line costs the request no write call
 * (lines that arrive while a write is under way go out together in the next one), and whatever is
 * still pending when the process exits, `process.exit()` included, pino writes synchronously
 * first, so the last lines before an exit are not lost.
 */
export function createLogger(options: { pretty: boolean }, base: LogFields = {}): Logger {
  const stdout = pino.destination({ dest: 1, sync: false });
  return options.pretty ? createPrettyLogger(stdout, base) : createJsonLogger(stdout, base);
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
