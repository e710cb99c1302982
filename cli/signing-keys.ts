import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../config/config-error';
import { loadKeysConfig } from './config';
import { addEncryptionKey, addSigningKey, activateKey, exportGatewayRing, KeyRingEditError, listKeyRing, retireKey, setTokenFormat } from './key-ring-file';

/**
 * `durable-callbacks keys signing-keys <command>`: manages the token key ring
 * (`CALLBACK_KEY_RING_FILE`, by default `<data dir>/key-ring.json`). Nothing here prints key
 * material.
 */

/** Usage of the `signing-keys` commands. */
export const SIGNING_KEYS_USAGE = `Manage the token key ring (CALLBACK_KEY_RING_FILE, default .data/key-ring.json).

Usage:
durable-callbacks keys signing-keys list [--json]
durable-callbacks keys signing-keys add [--alg HS256|EdDSA] [--kid <kid>] [--activate]
  Adds a generated signing key (default EdDSA: workers sign, gateways only verify).
  The first key becomes active; later ones only with --activate (copy the ring to every
  process first, then activate).
durable-callbacks keys signing-keys add-encryption [--kid <kid>] [--activate]
  Adds an A256GCM key for opaque URLs.
durable-callbacks keys signing-keys rotate [--alg HS256|EdDSA]
  Adds a new signing key and activates it at once (one-host setups; with several hosts, add,
  distribute the ring, then activate). Old keys keep verifying until retired.
durable-callbacks keys signing-keys activate <kid>
durable-callbacks keys signing-keys retire <kid>
  Removes a key: every URL minted with it stops working.
durable-callbacks keys signing-keys format jws|jwe
  jws: signed URLs (default). jwe: signed, then encrypted, so senders cannot read them.
durable-callbacks keys signing-keys export-gateway --out <file>
  Writes the ring for gateways: EdDSA keys without their private half.
`;

class SigningKeysUsageError extends Error {}

function args<const O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new SigningKeysUsageError((err as Error).message);
  }
}

function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new SigningKeysUsageError(`Expected exactly one ${what}.`);
  return positionals[0]!;
}

/** Runs a `signing-keys` command; returns the process exit code. */
export async function signingKeysMain(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const file = loadKeysConfig().keyRingFile;
  try {
    switch (command) {
      case 'list': {
        const { values } = args(rest, { json: { type: 'boolean' } });
        const ring = await listKeyRing(file);
        if (values.json) process.stdout.write(`${JSON.stringify(ring, null, 2)}\n`);
        else {
          process.stdout.write(`${file} (format ${ring.format})\n`);
          for (const key of ring.keys) {
            process.stdout.write(`  ${key.active ? '*' : ' '} ${key.kid.padEnd(28)} ${key.use.padEnd(10)} ${key.alg.padEnd(8)} ${key.use === 'signing' ? (key.canSign ? 'can sign' : 'verify only') : ''}\n`);
          }
        }
        return 0;
      }
      case 'add': {
        const { values } = args(rest, { alg: { type: 'string' }, kid: { type: 'string' }, activate: { type: 'boolean' } });
        const alg = values.alg ?? 'EdDSA';
        if (alg !== 'HS256' && alg !== 'EdDSA') throw new SigningKeysUsageError(`--alg must be HS256 or EdDSA, not '${alg}'.`);
        const kid = await addSigningKey(file, { alg, ...(values.kid ? { kid: values.kid } : {}), activate: values.activate === true });
        process.stdout.write(`Added ${alg} signing key '${kid}' to ${file}.\n`);
        return 0;
      }
      case 'rotate': {
        const { values } = args(rest, { alg: { type: 'string' } });
        const alg = values.alg ?? 'EdDSA';
        if (alg !== 'HS256' && alg !== 'EdDSA') throw new SigningKeysUsageError(`--alg must be HS256 or EdDSA, not '${alg}'.`);
        const kid = await addSigningKey(file, { alg, activate: true });
        process.stdout.write(`Added and activated ${alg} signing key '${kid}' in ${file}. Restart the worker and gateways to load it; retire the old key once its URLs have expired.\n`);
        return 0;
      }
      case 'add-encryption': {
        const { values } = args(rest, { kid: { type: 'string' }, activate: { type: 'boolean' } });
        const kid = await addEncryptionKey(file, { ...(values.kid ? { kid: values.kid } : {}), activate: values.activate === true });
        process.stdout.write(`Added encryption key '${kid}' to ${file}.\n`);
        return 0;
      }
      case 'activate':
      case 'retire': {
        const kid = onePositional(args(rest, {}).positionals, 'key id');
        await (command === 'activate' ? activateKey(file, kid) : retireKey(file, kid));
        process.stdout.write(`${command === 'activate' ? 'Activated' : 'Retired'} '${kid}' in ${file}. Restart the worker and gateways to load it.\n`);
        return 0;
      }
      case 'format': {
        const format = onePositional(args(rest, {}).positionals, 'format (jws or jwe)');
        if (format !== 'jws' && format !== 'jwe') throw new SigningKeysUsageError(`The format is jws or jwe, not '${format}'.`);
        await setTokenFormat(file, format);
        process.stdout.write(`New URLs will be minted as ${format}.\n`);
        return 0;
      }
      case 'export-gateway': {
        const { values } = args(rest, { out: { type: 'string' } });
        if (!values.out) throw new SigningKeysUsageError('--out <file> is required.');
        await exportGatewayRing(file, values.out);
        process.stdout.write(`Wrote the gateway's ring to ${values.out}.\n`);
        return 0;
      }
      default:
        throw new SigningKeysUsageError(command ? `Unknown signing-keys command '${command}'.` : 'No signing-keys command given.');
    }
  } catch (err) {
    if (err instanceof SigningKeysUsageError) {
      process.stderr.write(`${err.message}\n\n${SIGNING_KEYS_USAGE}`);
      return 2;
    }
    if (err instanceof KeyRingEditError || err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
