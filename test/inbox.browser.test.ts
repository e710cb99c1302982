import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { describeInChromium } from './support/chromium';
import { signInBrowser } from './support/sign-in-browser';
import { pollUntil } from './support/async';
import { TEST_DATA_DIR } from './support/test-env';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import type { auditedApproval } from './workflows/audited-approval';

// The inbox in a real browser: Debian's Chromium (headless, through playwright-core) opens
// /inbox, is sent to the real development provider, signs in as frank (the demo user whose group
// only this test asks), sees his two pending approvals, approves one and sees it leave the list;
// a real worker judges the vote. Screenshots go to the tests' data folder (ignored by git).
// Skipped, saying why, where Chromium is missing and cannot be installed.

/** Where the inbox's screenshots are kept: before and after the decision. */
const SCREENSHOTS = { before: path.join(TEST_DATA_DIR, 'inbox-two-pending.png'), after: path.join(TEST_DATA_DIR, 'inbox-after-approving.png') };

const describeInBrowser = describeInChromium('the inbox browser test');

describeInBrowser('the inbox, in Chromium', () => {
  const b = signInBrowser();

  async function ask(title: string): Promise<WorkflowHandle<typeof auditedApproval>> {
    const handle = await b.h.start<typeof auditedApproval>('auditedApproval', [
      { action: { title, summary: 'For tonight\'s release.', details: { ticket: 'REL-88' } }, approvers: [{ group: 'release-managers' }], initiator: { email: 'carol@example.com' }, timeout: '1h' },
    ]);
    b.handles.push(handle);
    await waitForCallbackUrl(handle);
    return handle;
  }

  test('a person signs in, opens /inbox, sees two pending approvals, approves one and sees it leave the list', async () => {
    const deploy = await ask('Deploy build 4711 to production');
    await ask('Freeze the main branch for the release');
    const inboxUrl = `${b.h.gatewayUrl}/inbox`;

    const context = await b.browser.newContext();
    const page = await context.newPage();
    try {
      // Without a session, /inbox sends the browser to sign in, and the sign-in comes back to /inbox.
      await page.goto(inboxUrl);
      await page.waitForURL((at) => at.origin === b.provider.issuer && at.pathname.startsWith('/interaction/'));
      await page.fill('[name=login]', 'frank');
      await page.fill('[name=password]', 'any password');
      await Promise.all([page.waitForURL(inboxUrl), page.click('button[type=submit]')]);
      expect(await page.locator('#signed-in-as').textContent()).toBe('Frank Releaser (frank@example.org)');

      // Visibility may lag a moment behind the workflows: reload until both are listed.
      await pollUntil('two approvals in the inbox', async () => (await page.reload(), (await page.locator('section.approval').count()) === 2), 20_000, 300);
      expect(await page.locator('section.approval h2').allTextContents()).toEqual(['Deploy build 4711 to production', 'Freeze the main branch for the release']);
      await page.screenshot({ path: SCREENSHOTS.before, fullPage: true });

      const first = page.locator('section.approval').first();
      await first.locator('textarea[name=comment]').fill('Canary was green for an hour.');
      await Promise.all([page.waitForURL(`${inboxUrl}?voted=approve`), first.locator('button.approve').click()]);
      expect(await page.locator('#voted').textContent()).toBe('Your approval was recorded.');
      expect(await page.locator('section.approval h2').allTextContents()).toEqual(['Freeze the main branch for the release']);
      await page.screenshot({ path: SCREENSHOTS.after, fullPage: true });
    } finally {
      await context.close();
    }

    const result = await deploy.result();
    expect(result.outcome).toBe('approved');
    expect(result.votes.map((vote) => [vote.approver.subject, vote.comment])).toEqual([['frank', 'Canary was green for an hour.']]);
  });
});
