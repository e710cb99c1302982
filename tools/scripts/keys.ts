import { keysCommand } from '../../cli/keys';
import { runMain } from '../../config/run-main';

/** `npm run keys -- <command>`: the `keys` commands of the CLI (API keys and the token key ring). */
runMain(async () => {
  process.exitCode = await keysCommand(process.argv.slice(2));
});
