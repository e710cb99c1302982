import { ConfigError } from './config-error';

/**
 * Runs an entry point's `main`, and on failure prints why and exits 1. Configuration errors are
 * printed as their message alone: it already names the variable and the fix.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) console.error(`Configuration error: ${err.message}`);
    else console.error(err);
    process.exit(1);
  });
}
