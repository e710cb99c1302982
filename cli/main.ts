#!/usr/bin/env node
import { ConfigError } from '../config/config-error';
import { CALLBACKS_USAGE, callbacksCommand } from './callbacks';
import { CliUsageError } from './command-support';
import { DEV_SERVER_USAGE, devServerCommand } from './dev-server';
import { WEBHOOKS_USAGE, webhooksCommand } from './webhooks';
import { keysCommand } from './keys';
import { APPROVALS_USAGE, approvalsCommand } from './approvals';

/** The top-level help of the `durable-callbacks` command. */
const USAGE = `durable-callbacks: callback URLs and durable waits for Temporal workflows.

Usage:
durable-callbacks gateway                          run the callback gateway (settings from the environment)
durable-callbacks worker                           run a worker for the ready-made awaitCallback workflow
durable-callbacks keys create|list|revoke ...      API keys senders present
durable-callbacks keys signing-keys ...            the token key ring (rotation, EdDSA, opaque URLs)
durable-callbacks callbacks list|show|complete|fail|reissue|send ...
durable-callbacks webhooks show <source> <key>     a webhook mailbox: held events, waits served
durable-callbacks approvals verify|show|reassign|keys ...   verify a receipt; a workflow's approvals and votes; reassign one; receipt keys
durable-callbacks codec-server                     the remote payload codec the Temporal Web UI decrypts through
durable-callbacks dev-server [start|stop|status]   a local Temporal dev server for development (data in .data/temporal)
durable-callbacks help [keys|callbacks|webhooks|approvals|dev-server]

Every command takes --help; most take --json. Exit codes: 0 done, 1 refused or failed, 2 usage error.
`;

/** Runs a long-lived service; it exits the process itself when it stops. */
async function runService(run: () => Promise<void>): Promise<number> {
  await run();
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  try {
    // Loaded on demand: the gateway is a Temporal client only and never loads the worker's native module.
    if (group === 'gateway') return await runService(() => (require('../callback-gateway/server') as typeof import('../callback-gateway/server')).runGateway());
    if (group === 'worker') return await runService(() => (require('../worker/main') as typeof import('../worker/main')).runWorker());
    if (group === 'codec-server') return await runService(() => (require('../codec/main') as typeof import('../codec/main')).runCodecServer());
    if (group === 'keys') return await keysCommand(rest);
    if (group === 'callbacks') {
      if (rest.includes('--help') || rest.includes('-h') || rest[0] === 'help') return void process.stdout.write(CALLBACKS_USAGE), 0;
      return await callbacksCommand(rest);
    }
    if (group === 'webhooks') {
      if (rest.includes('--help') || rest.includes('-h') || rest[0] === 'help') return void process.stdout.write(WEBHOOKS_USAGE), 0;
      return await webhooksCommand(rest);
    }
    if (group === 'approvals') {
      if (rest.includes('--help') || rest.includes('-h') || rest[0] === 'help') return void process.stdout.write(APPROVALS_USAGE), 0;
      return await approvalsCommand(rest);
    }
    if (group === 'dev-server') return await devServerCommand(rest);
    if (group === undefined || group === 'help' || group === '--help' || group === '-h') {
      if (rest[0] === 'keys') return keysCommand(['help']);
      if (rest[0] === 'callbacks') return void process.stdout.write(CALLBACKS_USAGE), 0;
      if (rest[0] === 'webhooks') return void process.stdout.write(WEBHOOKS_USAGE), 0;
      if (rest[0] === 'approvals') return void process.stdout.write(APPROVALS_USAGE), 0;
      if (rest[0] === 'dev-server') return void process.stdout.write(DEV_SERVER_USAGE), 0;
      process.stdout.write(USAGE);
      return group === undefined ? 2 : 0;
    }
    throw new CliUsageError(`Unknown command '${group}'.`);
  } catch (err) {
    if (err instanceof CliUsageError) {
      const usage = { callbacks: CALLBACKS_USAGE, webhooks: WEBHOOKS_USAGE, approvals: APPROVALS_USAGE, 'dev-server': DEV_SERVER_USAGE }[group ?? ''] ?? USAGE;
      process.stderr.write(`${err.message}\n\n${usage}`);
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
