import { parseArgs } from 'node:util';
import { EXECUTE_SCOPE, FileApiKeyStore, type ApiKeyInfo } from '../api-keys';
import { loadKeysConfig } from './config';
import { signingKeysMain } from './signing-keys';

/**
 * `durable-callbacks keys <command>`: creates, lists and revokes the API keys the callback gateway
 * accepts. Keys live in the embedded key store (`API_KEYS_FILE`, by default
 * `<DURABLE_CALLBACKS_DATA_DIR>/api-keys.json`), which keeps only their hashes; a running gateway
 * sees every change at once. Its messages name the package's bin, which is what an installed
 * package has (this repository's npm script runs the same commands).
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** Usage text of each command, shown by `help` and after a usage error. */
const COMMAND_USAGE = {
  create: [
    'durable-callbacks keys create --name <name> [--scope <scope>]... [--expires-in-days <days>]',
    '  Creates a key and prints it once. --scope may be repeated; without it the key gets',
    `  '${EXECUTE_SCOPE}' (may deliver callbacks). Without --expires-in-days it never expires.`,
  ],
  list: ['durable-callbacks keys list [--json]', '  Lists every key (revoked ones included) as a table, or as JSON with --json.'],
  revoke: ['durable-callbacks keys revoke <id>', '  Revokes a key; the gateway refuses it from the next request on.'],
  rotate: [
    'durable-callbacks keys rotate <id> [--revoke-old]',
    '  Creates a replacement with the same name and scopes and prints it once. The old key keeps',
    '  working until you revoke it (once the sender has switched), or at once with --revoke-old.',
  ],
  help: ['durable-callbacks keys help [<command>]', '  Shows this help, or the help of one command.'],
  'signing-keys': ['durable-callbacks keys signing-keys <command>', '  Manages the token key ring (rotation, EdDSA, opaque URLs); `signing-keys help` for details.'],
} as const;

type Command = keyof typeof COMMAND_USAGE;

/** A mistake in how the command was called: printed with the usage, exit code 2. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: Command,
  ) {
    super(message);
  }
}

function isCommand(name: string): name is Command {
  return Object.hasOwn(COMMAND_USAGE, name);
}

function usage(command?: Command): string {
  const commands = command ? [command] : (Object.keys(COMMAND_USAGE) as Command[]);
  const body = commands.map((name) => COMMAND_USAGE[name].join('\n')).join('\n\n');
  return command ? `Usage:\n${body}\n` : `Manage the API keys the callback gateway accepts.\n\nUsage:\n${body}\n`;
}

/** Parses one command's arguments; parseArgs' own errors (unknown option, missing value) become usage errors. */
function parseCommandArgs<O extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(command: Command, args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), command);
  }
}

function formatTime(iso: string | undefined, none: string): string {
  if (!iso) return none;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

function expiresText(info: ApiKeyInfo): string {
  const text = formatTime(info.expiresAt, 'never');
  return info.expiresAt && Date.parse(info.expiresAt) <= Date.now() ? `${text} (expired)` : text;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

async function create(store: FileApiKeyStore, args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs('create', args, {
    name: { type: 'string' },
    scope: { type: 'string', multiple: true },
    'expires-in-days': { type: 'string' },
  });
  if (values.help) return void process.stdout.write(usage('create'));
  if (positionals.length > 0) throw new UsageError(`create takes no positional arguments (got '${positionals.join(' ')}').`, 'create');
  const name = values.name?.trim();
  if (!name) throw new UsageError('create needs --name <name>: who or what the key is for, e.g. --name ticketing.', 'create');
  const scopes = (values.scope ?? []).map((scope) => scope.trim());
  if (scopes.some((scope) => scope.length === 0)) throw new UsageError('--scope needs a non-empty value.', 'create');
  const defaultedScope = scopes.length === 0;
  if (defaultedScope) scopes.push(EXECUTE_SCOPE);
  let expiresAt: Date | undefined;
  const days = values['expires-in-days'];
  if (days !== undefined) {
    if (!/^\d+$/.test(days) || Number(days) < 1 || Number(days) > 36_500) {
      throw new UsageError(`--expires-in-days must be a whole number of days from 1 to 36500 (got '${days}').`, 'create');
    }
    expiresAt = new Date(Date.now() + Number(days) * DAY_MS);
  }

  const { key, info } = await store.create({ name, scopes, ...(expiresAt ? { expiresAt } : {}) });
  const lines = [
    `Created API key ${info.id} for '${info.name}'.`,
    `  scopes:  ${info.scopes.join(', ')}${defaultedScope ? ` (the default, as no --scope was given: it may deliver callbacks)` : ''}`,
    `  expires: ${expiresText(info)}`,
    '',
    `  ${key}`,
    '',
    'Copy the key now: it will not be shown again.',
    `It is stored hashed in ${store.file}; revoke it with \`durable-callbacks keys revoke ${info.id}\`.`,
    'Senders present it in the X-API-Key header, as Authorization: Bearer, or as the api_key query parameter.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function list(store: FileApiKeyStore, args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs('list', args, { json: { type: 'boolean' } });
  if (values.help) return void process.stdout.write(usage('list'));
  if (positionals.length > 0) throw new UsageError(`list takes no positional arguments (got '${positionals.join(' ')}').`, 'list');
  const keys = await store.list();
  if (values.json) return void process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
  if (keys.length === 0) {
    process.stdout.write(`No API keys in ${store.file}.\nCreate one with \`durable-callbacks keys create --name <name>\`.\n`);
    return;
  }
  const rows = keys.map((info) => [
    info.id,
    info.name,
    info.scopes.join(',') || '-',
    formatTime(info.createdAt, '-'),
    expiresText(info),
    formatTime(info.lastUsedAt, 'never'),
    formatTime(info.revokedAt, '-'),
  ]);
  process.stdout.write(`${table([['ID', 'NAME', 'SCOPES', 'CREATED', 'EXPIRES', 'LAST USED', 'REVOKED'], ...rows])}\n`);
}

async function revoke(store: FileApiKeyStore, args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs('revoke', args, {});
  if (values.help) return void process.stdout.write(usage('revoke'));
  const [id, ...extra] = positionals;
  if (!id) throw new UsageError('revoke needs the id of the key to revoke (`durable-callbacks keys list` shows the ids).', 'revoke');
  if (extra.length > 0) throw new UsageError(`revoke takes one id (got '${positionals.join(' ')}').`, 'revoke');
  const before = (await store.list()).find((info) => info.id === id);
  if (!before || !(await store.revoke(id))) {
    process.stderr.write(`No API key with id '${id}' in ${store.file}. \`durable-callbacks keys list\` shows the ids.\n`);
    process.exitCode = 1;
    return;
  }
  if (before.revokedAt) {
    process.stdout.write(`API key ${id} ('${before.name}') was already revoked at ${formatTime(before.revokedAt, '-')}; nothing changed.\n`);
  } else {
    process.stdout.write(`Revoked API key ${id} ('${before.name}'). The gateway refuses it from the next request on.\n`);
  }
}

async function rotate(store: FileApiKeyStore, args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs('rotate', args, { 'revoke-old': { type: 'boolean' } });
  if (values.help) return void process.stdout.write(usage('rotate'));
  const [id, ...extra] = positionals;
  if (!id || extra.length > 0) throw new UsageError('rotate needs exactly one key id (`durable-callbacks keys list` shows the ids).', 'rotate');
  const old = (await store.list()).find((info) => info.id === id);
  if (!old || old.revokedAt) {
    process.stderr.write(`No usable API key with id '${id}' in ${store.file} (unknown or revoked).\n`);
    process.exitCode = 1;
    return;
  }
  const { key, info } = await store.create({ name: old.name, scopes: old.scopes, ...(old.expiresAt ? { expiresAt: new Date(old.expiresAt) } : {}) });
  if (values['revoke-old']) await store.revoke(id);
  const lines = [
    `Created API key ${info.id} to replace ${id} ('${old.name}', scopes ${old.scopes.join(', ') || '-'}).`,
    '',
    `  ${key}`,
    '',
    'Copy the key now: it will not be shown again.',
    values['revoke-old']
      ? `The old key ${id} is revoked.`
      : `The old key ${id} still works; revoke it once the sender uses the new one: \`durable-callbacks keys revoke ${id}\`.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function help(args: string[]): void {
  const [topic, ...extra] = args.filter((arg) => arg !== '--help' && arg !== '-h');
  if (extra.length > 0) throw new UsageError(`help takes at most one command (got '${args.join(' ')}').`, 'help');
  if (topic === undefined) return void process.stdout.write(usage());
  if (!isCommand(topic)) throw new UsageError(`Unknown command '${topic}'.`);
  process.stdout.write(usage(topic));
}

/**
 * Runs `keys <command>` (API keys, and `signing-keys` for the token key ring) and returns the
 * exit code: 0 done, 1 refused (e.g. no such key), 2 usage error.
 */
export async function keysCommand(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (command === undefined) throw new UsageError('No command given.');
    if (command === 'help' || command === '--help' || command === '-h') {
      help(args);
      return 0;
    }
    if (command === 'signing-keys') return await signingKeysMain(args);
    if (!isCommand(command)) throw new UsageError(`Unknown command '${command}'.`);
    const store = new FileApiKeyStore(loadKeysConfig().apiKeysFile);
    process.exitCode = 0;
    if (command === 'create') await create(store, args);
    else if (command === 'list') await list(store, args);
    else if (command === 'rotate') await rotate(store, args);
    else await revoke(store, args);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${usage(err.command)}`);
    if (err.command) process.stderr.write('\n`durable-callbacks keys help` lists every command.\n');
    return 2;
  }
}
