import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import type { CallbackFormField } from '../workflows';
import type { ApprovalRequestInput } from './workflows';
import { describeInChromium, launchChromium } from './support/chromium';
import { signalCount, startHarness, type Harness } from './support/harness';
import { TEST_DATA_DIR } from './support/test-env';

// The approval page in a real browser: Debian's Chromium, headless, driven by playwright-core,
// against a real worker and the gateway on a real port. Installs Chromium when it is missing
// and may; otherwise the tests are skipped, saying why.

const describeInBrowser = describeInChromium("the approval page's browser tests");

/** Where the screenshots go (the tests' data folder, ignored by git). */
const SCREENSHOT_PATH = path.join(TEST_DATA_DIR, 'approval-page.png');
const THANK_YOU_SCREENSHOT_PATH = path.join(TEST_DATA_DIR, 'approval-page-thank-you.png');

const TITLE = 'Deploy <billing-api> v2.4 to production';
const DESCRIPTION = 'Rolls out the new invoice export.\nThe migration adds one column; no downtime expected.';
const FORM: CallbackFormField[] = [
  { name: 'ticket', label: 'Change ticket', type: 'text', required: true },
  { name: 'environment', label: 'Environment', type: 'select', options: ['staging', 'production'], required: true },
  { name: 'replicas', label: 'Replicas', type: 'number' },
  { name: 'comment', label: 'Comment', type: 'textarea' },
];

describeInBrowser('the approval page in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let gatewayOrigin: string;
  const requested: Array<{ method: string; url: string }> = [];
  const consoleMessages: string[] = [];

  beforeAll(async () => {
    // The worker's API key goes into the URL (`includeApiKey`): the form must post it back.
    h = await startHarness({ workerApiKey: true });
    gatewayOrigin = new URL(h.gatewayUrl).origin;
    browser = (await launchChromium())!;
  }, 120_000);

  beforeEach(async () => {
    requested.length = 0;
    consoleMessages.length = 0;
    context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    page = await context.newPage();
    page.on('request', (request) => requested.push({ method: request.method(), url: request.url() }));
    page.on('console', (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
  });

  afterEach(async () => {
    await context?.close();
    // The page is self-contained: every request it made went to the gateway, none elsewhere.
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((request) => new URL(request.url).origin !== gatewayOrigin)).toEqual([]);
    // Nothing it carries was blocked by its own CSP (the inline style is allowed by hash).
    expect(consoleMessages.filter((message) => /Content Security Policy|Refused to/i.test(message))).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function openApprovalRequest(input: ApprovalRequestInput) {
    const handle = await h.start('approvalRequest', [{ title: TITLE, description: DESCRIPTION, form: FORM, includeApiKey: true, ...input }]);
    const url = await waitForCallbackUrl(handle);
    expect(url).toContain('?api_key=');
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    return { handle, url };
  }

  /** Clicks a decision button and waits for the page its form submission returns. */
  async function submitWith(button: string) {
    const [response] = await Promise.all([
      page.waitForResponse((candidate) => candidate.request().method() === 'POST'),
      page.click(button),
    ]);
    await page.waitForLoadState('load');
    return response;
  }

  test('a person reads the request, fills the form and approves; the workflow resumes with the answer', async () => {
    const { handle, url } = await openApprovalRequest({});
    expect(await page.title()).toBe(TITLE);
    expect(await page.locator('h1').textContent()).toBe(TITLE);
    expect(await page.locator('.description').textContent()).toBe(DESCRIPTION);
    expect(await page.locator('label').allTextContents()).toEqual(['Change ticket (required)', 'Environment (required)', 'Replicas', 'Comment']);
    // The inline style applies under the page's CSP.
    expect(await page.evaluate("getComputedStyle(document.querySelector('button.approve')).backgroundColor")).toBe('rgb(26, 127, 55)');

    await page.fill('[name=ticket]', 'CHG-1234');
    // Enter in a text field must not submit (it would approve): the form's default button is disabled.
    await page.press('[name=ticket]', 'Enter');
    await page.waitForTimeout(300);
    expect(requested.filter((request) => request.method === 'POST')).toEqual([]);

    await page.selectOption('[name=environment]', 'production');
    await page.fill('[name=replicas]', '3');
    await page.fill('[name=comment]', 'Approved after the <canary> looked fine & quiet.');
    await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });

    const response = await submitWith('button.approve');
    expect(response.status()).toBe(202);
    expect(response.url()).toBe(url); // posted to the same URL, ?api_key= included
    expect(await page.locator('h1').textContent()).toBe('Thank you, your answer was recorded');
    expect(await page.locator('strong').textContent()).toBe('Approve');
    await page.screenshot({ path: THANK_YOU_SCREENSHOT_PATH, fullPage: true });

    const result = await handle.result();
    expect(result).toMatchObject({ status: 'received', method: 'POST', contentType: 'application/x-www-form-urlencoded' });
    if (result.status !== 'received') throw new Error('unreachable');
    expect(result.data).toEqual({
      decision: 'approve',
      ticket: 'CHG-1234',
      environment: 'production',
      replicas: '3',
      comment: 'Approved after the <canary> looked fine & quiet.',
    });
    expect(result.apiKeyId).toBeDefined(); // the key came with the form's POST, from the URL
    expect(result.query).toEqual({}); // and never reached the workflow

    // Opened again, the page says the request is closed, with nothing to click.
    await page.goto(url);
    expect(await page.locator('h1').textContent()).toBe('This request is closed');
    expect(await page.locator('button, form').count()).toBe(0);
  });

  test('required fields hold an approval back, but Reject needs none of them', async () => {
    const { handle } = await openApprovalRequest({});
    await page.click('button.approve');
    await page.waitForTimeout(300);
    expect(requested.filter((request) => request.method === 'POST')).toEqual([]);
    expect(await page.evaluate("document.querySelector('[name=ticket]').validity.valueMissing")).toBe(true);
    expect(await signalCount(handle)).toBe(0);

    const response = await submitWith('button.reject');
    expect(response.status()).toBe(202);
    expect(await page.locator('strong').textContent()).toBe('Reject');
    expect(await handle.result()).toMatchObject({
      status: 'received',
      data: { decision: 'reject', ticket: '', environment: '', replicas: '', comment: '' },
    });
  });
});
