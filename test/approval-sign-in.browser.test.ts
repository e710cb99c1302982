import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { CallbackReceived } from '../protocol/callback-messages';
import { describeInChromium } from './support/chromium';
import { signInBrowser } from './support/sign-in-browser';
import { mintFor, startWaiting } from './support/tokens';
import path from 'node:path';
import { actionDigest } from '../tokens/action-digest';
import type { auditedApproval } from './workflows';
import { TEST_DATA_DIR } from './support/test-env';
import { waitForCallbackUrl } from './support/wait-for-callback-url';

/** Where the worked example's decision page is kept as a screenshot (the tests' data folder, ignored by git). */
const DECISION_SCREENSHOT_PATH = path.join(TEST_DATA_DIR, 'approval-decision.png');

// Signing in to decide an approval in a real browser: Debian's Chromium (headless, through
// playwright-core) follows the approval page's link to the real development provider, signs in
// on its form, comes back with the session cookie and votes; a real worker judges the vote.
// Skipped, saying why, where Chromium is missing and cannot be installed.

const describeInBrowser = describeInChromium('the sign-in browser test');

const DIGEST = createHash('sha256').update('rotate the database password').digest('base64url');

describeInBrowser('signing in to decide, in Chromium', () => {
  const b = signInBrowser();

  /** Follows the approval page's "Sign in to decide", signs in at the provider as `login`, and waits to be back on the page. */
  async function signInOnPage(page: Page, url: string, login: string): Promise<void> {
    await page.goto(url);
    await page.click('a.sign-in');
    await page.waitForURL((at) => at.origin === b.provider.issuer && at.pathname.startsWith('/interaction/'));
    await page.fill('[name=login]', login);
    await page.fill('[name=password]', 'any password');
    await Promise.all([page.waitForURL(url), page.click('button[type=submit]')]);
  }

  test('a person follows "Sign in to decide", signs in at the provider, comes back signed in and approves', async () => {
    const w = await startWaiting(b.h, {}, b.handles);
    const token = await mintFor(b.h.minter, w, { approval: { actionDigest: DIGEST, identity: 'signed-in' } });
    const url = `${b.h.gatewayUrl}/callbacks/${token}`;
    const context = await b.browser.newContext();
    const page = await context.newPage();
    try {
      await signInOnPage(page, url, 'alice');
      expect(await page.locator('#signed-in-as').textContent()).toBe('Alice Approver (alice@example.com)');
      // The session cookie is not readable from the page.
      expect(await page.evaluate('document.cookie')).toBe('');

      await page.fill('[name=comment]', 'Rotation window agreed with the DBAs.');
      const [response] = await Promise.all([page.waitForResponse((candidate) => candidate.request().method() === 'POST'), page.click('button.approve')]);
      expect(response.status()).toBe(200);
      await page.waitForLoadState('load');
      expect(await page.locator('h1').textContent()).toBe('Thank you, your answer was recorded');
    } finally {
      await context.close();
    }
    const result = (await w.handle.result()) as CallbackReceived;
    expect(result.data).toEqual({ decision: 'approve', comment: 'Rotation window agreed with the DBAs.' });
    expect(result.approver).toMatchObject({ issuer: b.provider.issuer, subject: 'alice', email: 'alice@example.com', groups: ['security', 'oncall'], via: 'oidc' });
    expect(result.actionDigest).toBe(DIGEST);
  });

  /** Signs `login` in at the provider from the approval page in a fresh browser context, submits `decision`, and returns the page's heading after it, or the refusal's code. */
  async function decideInBrowser(url: string, login: string, decision: 'approve' | 'reject', screenshot?: string): Promise<string | null> {
    const context = await b.browser.newContext();
    const page = await context.newPage();
    try {
      await signInOnPage(page, url, login);
      if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
      await Promise.all([page.waitForResponse((candidate) => candidate.request().method() === 'POST'), page.click(`button.${decision}`)]);
      await page.waitForLoadState('load');
      const code = page.locator('#error-code');
      return (await code.count()) > 0 ? await code.textContent() : await page.locator('h1').textContent();
    } finally {
      await context.close();
    }
  }

  test('the worked example: a production change that two of the change board approve in Chromium, and the requester cannot', async () => {
    const action = { title: 'Grant contractor c-4411 read-only access to prod-db-eu', summary: 'For the January migration window.', details: { ticket: 'CHG-2207', role: 'db-readonly' } };
    const handle = await b.h.start<typeof auditedApproval>('auditedApproval', [
      { action, approvers: [{ group: 'change-board' }], quorum: 2, initiator: { email: 'carol@example.com' }, timeout: '10m' },
    ]);
    b.handles.push(handle);
    const url = await waitForCallbackUrl(handle);

    expect(await decideInBrowser(url, 'carol', 'approve')).toBe('SELF_APPROVAL_FORBIDDEN');
    expect(await decideInBrowser(url, 'dana', 'approve', DECISION_SCREENSHOT_PATH)).toBe('Thank you, your answer was recorded');
    expect(await decideInBrowser(url, 'erin', 'approve')).toBe('Thank you, your answer was recorded');

    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'approved', record: { actionDigest: actionDigest(action) } });
    expect(result.votes.map((vote) => vote.approver.subject)).toEqual(['dana', 'erin']);
    expect(result.receipt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });
});
