import type { WorkflowHandle } from '@temporalio/client';
import type { Browser } from 'playwright-core';
import { launchChromium } from './chromium';
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
 * Registers, in the calling `describe`, a signed-in harness (its own development OpenID Connect
 * provider and a gateway that signs in there) and a headless Chromium before the tests, and
 * closes them after, terminating the workflows in `handles`. The fields are there once the
 * `beforeAll` ran.
 */
export function signInBrowser(): SignInBrowser {
  const context = { handles: [] as WorkflowHandle[] } as SignInBrowser;
  beforeAll(async () => {
    ({ h: context.h, provider: context.provider } = await startSignInHarness());
    context.browser = (await launchChromium())!;
  }, 120_000);
  afterAll(async () => {
    await context.browser?.close();
    await Promise.all(context.handles.map((handle) => handle.terminate().catch(() => undefined)));
    await context.h?.close();
    await context.provider?.close();
  });
  return context;
}
