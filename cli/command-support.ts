import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Client } from '@temporalio/client';
import { loadTemporalConfig } from '../config/temporal-config';
import { createTemporalClient } from '../client/create-temporal-client';

/** A usage mistake: printed with the usage, exit code 2. */
export class CliUsageError extends Error {}

/** How one option is declared, as `parseArgs` takes it. */
type OptionConfig = NonNullable<ParseArgsConfig['options']>[string];

/** The value `parseArgs` gives an option declared as `C`. */
type OptionValue<C> = C extends { type: 'boolean' } ? (C extends { multiple: true } ? boolean[] : boolean) : C extends { multiple: true } ? string[] : string;

/** A command's parsed arguments: each option's value (absent when not given), and the positionals. */
export interface ParsedArgs<O> {
  values: { [K in keyof O]?: OptionValue<O[K]> } & { json?: boolean };
  positionals: string[];
}

/** Parses a command's arguments (every command takes `--json`); a mistake is a {@link CliUsageError}. */
export function args<const O extends Record<string, OptionConfig>>(argv: string[], options: O): ParsedArgs<O> {
  try {
    return parseArgs({ args: argv, options: { ...options, json: { type: 'boolean' } }, allowPositionals: true, strict: true }) as ParsedArgs<O>;
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
}

/** The positional arguments, exactly as many as `names`. */
export function positionals(given: string[], names: string[]): string[] {
  if (given.length !== names.length) throw new CliUsageError(`Expected ${names.map((name) => `<${name}>`).join(' ')}.`);
  return given;
}

/** Runs `run` with a Temporal client configured from the `TEMPORAL_*` variables, and closes it. */
export async function withClient<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const { client, connection } = await createTemporalClient(loadTemporalConfig());
  try {
    return await run(client);
  } finally {
    await connection.close();
  }
}

/** Prints rows as aligned columns; the first row is the header. */
export function printTable(table: string[][]): void {
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  process.stdout.write(`${table.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n')}\n`);
}
