import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config-error';

/**
 * The parsing every process's configuration shares: each process's loader (`worker/config.ts`,
 * `callback-gateway/config.ts`, ...) declares its variables as a zod schema, parses them once at
 * startup with {@link load} and {@link parseFields}, and passes the typed result down; nothing
 * else reads `process.env`.
 */

/** The environment shape the loaders read; `process.env` by default. */
export type Env = Record<string, string | undefined>;

/** A TCP port (0 picks a free one). */
export const port = z.coerce.number().int().min(0).max(65535);
/** A setting that, when set, is not blank. */
export const nonEmpty = z.string().trim().min(1);

/** Where a process keeps its files unless told otherwise (`DURABLE_CALLBACKS_DATA_DIR`, default `.data`). */
export const dataDirSetting = { DURABLE_CALLBACKS_DATA_DIR: nonEmpty.default('.data') };

/**
 * What a loader found wrong, collected so one {@link ConfigError} lists every problem at once
 * (one line each, each naming the variable to set) instead of one per run.
 */
export class ConfigProblems {
  private readonly lines: string[] = [];

  add(line: string): void {
    for (const part of line.split('\n')) {
      const problem = part.trim().replace(/^- /, '');
      // A loader that checks one variable for two parts of its result records it once.
      if (problem && !problem.startsWith('Invalid configuration;') && !this.lines.includes(problem)) this.lines.push(problem);
    }
  }

  /**
   * Runs one check and records its {@link ConfigError} instead of throwing it. Another error after
   * a recorded problem is a consequence of it (a value that did not parse is missing) and is dropped.
   */
  check<T>(run: () => T): T | undefined {
    try {
      return run();
    } catch (err) {
      if (err instanceof ConfigError) this.add(err.message);
      else if (this.lines.length === 0) throw err;
      return undefined;
    }
  }

  /** Throws one {@link ConfigError} listing every recorded problem, if there is any. */
  throwIfAny(): void {
    if (this.lines.length === 0) return;
    throw new ConfigError(`Invalid configuration; fix these environment variables:\n${this.lines.map((line) => `  - ${line}`).join('\n')}`);
  }
}

/**
 * Parses each variable of `schema` on its own, so every malformed one is recorded (a variable
 * that fails is left out of the result; the loader throws before returning it).
 */
export function parseFields<S extends z.ZodObject>(schema: S, env: Env, problems: ConfigProblems): z.infer<S> {
  const data: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema.shape)) {
    const result = (field as z.ZodType).safeParse(env[name]);
    if (result.success) data[name] = result.data;
    else for (const issue of result.error.issues) problems.add(`${[name, ...issue.path].join('.')}: ${issue.message}`);
  }
  return data as z.infer<S>;
}

/** A loader run with a {@link ConfigProblems}: its result, or one {@link ConfigError} listing every problem. */
export function load<T>(run: (problems: ConfigProblems) => T): T {
  const problems = new ConfigProblems();
  const result = problems.check(() => run(problems));
  problems.throwIfAny();
  return result as T;
}

export function parse<S extends z.ZodObject>(schema: S, env: Env): z.infer<S> {
  return load((problems) => parseFields(schema, env, problems));
}

/** Whether `NODE_ENV` is `production`, where every secret must be given and nothing defaults to a development file. */
export function isProduction(env: { NODE_ENV?: string }): boolean {
  return env.NODE_ENV === 'production';
}

/** Which of `names` are unset (or blank) in `env`, so took their defaults; the startup lines mark them `(default)`. */
export function defaulted(env: Env, names: string[]): string[] {
  return names.filter((name) => !env[name]?.trim());
}

/** The API key file the gateway reads and `durable-callbacks keys` edits: `API_KEYS_FILE`, else `<data dir>/api-keys.json`. */
export function apiKeysFile(env: { API_KEYS_FILE?: string; DURABLE_CALLBACKS_DATA_DIR: string }): string {
  return path.resolve(env.API_KEYS_FILE ?? path.join(env.DURABLE_CALLBACKS_DATA_DIR, 'api-keys.json'));
}
