import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadDevServerConfig } from './config';
import { CliUsageError } from './command-support';

/**
 * `durable-callbacks dev-server [start|stop|status]`: a local Temporal dev server for development,
 * run by the package's `temporal-dev.sh` (SQLite on disk, so waiting workflows survive a restart).
 * Its data goes to `TEMPORAL_DATA_DIR`, else `<DURABLE_CALLBACKS_DATA_DIR>/temporal` under the working
 * directory (`.data/temporal`, beside the dev signing secret the worker and gateway share), never into
 * the package's own folder inside `node_modules/`.
 */

/** The `dev-server` help. */
export const DEV_SERVER_USAGE = `Usage:
durable-callbacks dev-server [start]   start (or reuse) a local Temporal dev server and wait until it answers
durable-callbacks dev-server stop      stop the server this command started
durable-callbacks dev-server status    say whether it runs (exit 0), or not (exit 3); never installs anything

Needs bash on Linux. The first start finds a 'temporal' CLI on PATH, else builds Temporal's CLI with Go,
else downloads its official release, into ~/.cache/durable-callbacks/.

Settings (environment):
  TEMPORAL_PORT          gRPC port (7233): what TEMPORAL_ADDRESS=localhost:7233 reaches
  TEMPORAL_UI_PORT       Web UI port (8233)
  TEMPORAL_DATA_DIR      folder for the SQLite file, log and pid file
                         (default: <DURABLE_CALLBACKS_DATA_DIR>/temporal, i.e. ./.data/temporal)
  TEMPORAL_NAMESPACE     namespace to create (default)
  TEMPORAL_START_TIMEOUT seconds to wait for the server to answer (90)
  TEMPORAL_CLI           path of a Temporal CLI to use instead of finding one
`;

const COMMANDS = ['start', 'stop', 'status'] as const;
type Command = (typeof COMMANDS)[number];

/** The shipped script: beside `cli/` when run from source, beside `dist/` in the package. */
function devScript(): string {
  const candidates = [path.resolve(__dirname, '..', 'temporal-dev.sh'), path.resolve(__dirname, '..', '..', 'temporal-dev.sh')];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`temporal-dev.sh is missing from the package (looked in ${candidates.join(', ')}).`);
  return found;
}

/**
 * Runs `temporal-dev.sh <command>` with the data folder chosen here; answers the script's exit code
 * (`status`: 0 running, 3 not running).
 */
export async function devServerCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return void process.stdout.write(DEV_SERVER_USAGE), 0;
  if (argv.length > 1) throw new CliUsageError(`Expected one command (${COMMANDS.join(', ')}), got '${argv.join(' ')}'.`);
  const command = (argv[0] ?? 'start') as Command;
  if (!COMMANDS.includes(command)) throw new CliUsageError(`Unknown dev-server command '${command}'; use ${COMMANDS.join(', ')}.`);
  const { dataDir } = loadDevServerConfig();
  const env = { ...process.env, TEMPORAL_DATA_DIR: dataDir, TEMPORAL_DEV_COMMAND: 'durable-callbacks dev-server' };
  return new Promise<number>((resolve, reject) => {
    const child = spawn('bash', [devScript(), command], { env, stdio: 'inherit' });
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new Error('durable-callbacks dev-server needs bash (Linux, or WSL on Windows); it was not found on PATH.') : err),
    );
    child.once('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
