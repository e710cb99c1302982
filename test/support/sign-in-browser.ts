import type { WorkflowHandle } from '@temporalio/client';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from './chromium';
import type { Harness } from './harness';
import type { DevOidcProvider } from './oidc';
import { startSignInHarness } from './sign-in-harness';

/** What a browser test of signing in works with, filled in by the `beforeAll` that {@link signInBrowser} registers. */
export interface SignInBrowser {
  h: Harness;
  provider: DevOidcProvider;
  browser: Browser;
  /** Workflows the test started: terminated after the file's tests. */
  handles: WorkflowHandle[];
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

/**
 * Registers, in the calling `describe`, a signed-in harness (its own development OpenID Connect
 * provider and a gateway that signs in there) and a headless Chromium before the tests, and
 * closes them after, terminating the workflows in `handles`. The fields are there once the
 * `beforeAll` ran.
 */
export function signInBrowser(): SignInBrowser {
  const context = { handles: [] as WorkflowHandle[] } as SignInBrowser;
  beforeAll(async () => {
    ({ h: context.h, provider: context.provider } = await startSignInHarness());
    const check = ensureChromium();
    if (!check.available) return;
    context.browser = await chromium.launch({ executablePath: check.executablePath, headless: true, args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    await context.browser?.close();
    await Promise.all(context.handles.map((handle) => handle.terminate().catch(() => undefined)));
    await context.h?.close();
    await context.provider?.close();
  });
  return context;
}
