#!/usr/bin/env node
import { ConfigError } from '../lib/config';
import { CALLBACKS_USAGE, CliUsageError, callbacksCommand } from './callbacks';
import { keysCommand } from './keys';

/** The top-level help of the `durable-callbacks` command. */
const USAGE = `durable-callbacks: callback URLs and durable waits for Temporal workflows.

Usage:
durable-callbacks keys create|list|revoke ...      API keys senders present
durable-callbacks keys signing-keys ...            the token key ring (rotation, EdDSA, opaque URLs)
durable-callbacks callbacks list|show|complete|fail|send ...
durable-callbacks help [keys|callbacks]

Every command takes --help; most take --json. Exit codes: 0 done, 1 refused or failed, 2 usage error.
`;

async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  try {
    if (group === 'keys') return await keysCommand(rest);
    if (group === 'callbacks') {
      if (rest.includes('--help') || rest.includes('-h') || rest[0] === 'help') return void process.stdout.write(CALLBACKS_USAGE), 0;
      return await callbacksCommand(rest);
    }
    if (group === undefined || group === 'help' || group === '--help' || group === '-h') {
      if (rest[0] === 'keys') return keysCommand(['help']);
      if (rest[0] === 'callbacks') return void process.stdout.write(CALLBACKS_USAGE), 0;
      process.stdout.write(USAGE);
      return group === undefined ? 2 : 0;
    }
    throw new CliUsageError(`Unknown command '${group}'.`);
  } catch (err) {
    if (err instanceof CliUsageError) {
      process.stderr.write(`${err.message}\n\n${group === 'callbacks' ? CALLBACKS_USAGE : USAGE}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
