import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, which the browser tests drive through playwright-core. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The longest the tests wait for `apt-get` to install Chromium. */
export const CHROMIUM_INSTALL_TIMEOUT_MS = 5 * 60_000;

/**
 * Arguments for a headless Chromium that talks to nothing but the pages it is sent to: no
 * sandbox (tests run as root in containers), no GPU, no QUIC, no background or component
 * traffic.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether Chromium can be used, and if not, why. */
export type ChromiumAvailability = { available: true; executablePath: string } | { available: false; reason: string };

/**
 * Finds Chromium at {@link CHROMIUM_PATH}, installing it with `apt-get update && apt-get install
 * -y chromium` when it is missing and this process may (root, apt-get present), within
 * {@link CHROMIUM_INSTALL_TIMEOUT_MS}; apt's own output shows the progress. Synchronous, so a
 * test file can decide at load time whether to run or skip its browser tests.
 */
export function ensureChromium(): ChromiumAvailability {
  if (existsSync(CHROMIUM_PATH)) return { available: true, executablePath: CHROMIUM_PATH };
  if (process.platform !== 'linux') return { available: false, reason: `${CHROMIUM_PATH} is missing and apt-get installs only on Linux.` };
  if (process.getuid?.() !== 0) {
    return { available: false, reason: `${CHROMIUM_PATH} is missing and installing it needs root (run: apt-get install -y chromium).` };
  }
  if (spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status !== 0) {
    return { available: false, reason: `${CHROMIUM_PATH} is missing and there is no apt-get to install it with.` };
  }
  console.log(`Chromium is missing at ${CHROMIUM_PATH}; installing it with apt-get (up to ${CHROMIUM_INSTALL_TIMEOUT_MS / 60_000} minutes)…`);
  const started = Date.now();
  const install = spawnSync('bash', ['-c', 'apt-get update && apt-get install -y chromium'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: CHROMIUM_INSTALL_TIMEOUT_MS,
    killSignal: 'SIGTERM',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  if (install.error || install.status !== 0 || !existsSync(CHROMIUM_PATH)) {
    const why = install.error ? install.error.message : install.signal ? `stopped by ${install.signal} after ${seconds} s` : `exit ${install.status}`;
    return { available: false, reason: `installing Chromium with apt-get failed (${why}).` };
  }
  console.log(`Chromium installed in ${seconds} s.`);
  return { available: true, executablePath: CHROMIUM_PATH };
}

/**
 * `describe` where Chromium is at hand (installed by apt-get when missing and allowed), else
 * `describe.skip`, with a warning naming `what` is skipped and why: decided when the test file
 * loads.
 */
export function describeInChromium(what: string): jest.Describe {
  const check = ensureChromium();
  if (!check.available) console.warn(`Skipping ${what}: ${check.reason}`);
  return check.available ? describe : describe.skip;
}

/** A headless Chromium with {@link CHROMIUM_ARGS}, or undefined where none is at hand (its tests are skipped then). */
export async function launchChromium(): Promise<Browser | undefined> {
  const check = ensureChromium();
  return check.available ? chromium.launch({ executablePath: check.executablePath, headless: true, args: CHROMIUM_ARGS }) : undefined;
}
