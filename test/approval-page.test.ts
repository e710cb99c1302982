import { WorkflowFailedError } from '@temporalio/client';
import { APPROVAL_PAGE_CSP } from '../callback-gateway/html-pages';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import type { CallbackFormField } from '../workflows';
import { callbacksQuery } from '../protocol/definitions';
import { releaseSignal, type ApprovalRequestInput } from './workflows';
import { errorOf, postJson, signalCount, startHarness, type Harness } from './support/harness';

// The approval page over real HTTP: a real worker, the gateway on a real port, the tests'
// Temporal dev server. The browser itself is exercised in approval-page.browser.test.ts.

/** What Chromium sends when it navigates to a page or submits a form. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const HTML = { accept: BROWSER_ACCEPT };

const FORM: CallbackFormField[] = [
  { name: 'comment', label: 'Comment <em>please</em>', type: 'textarea', required: true },
  { name: 'environment', label: 'Environment', type: 'select', options: ['staging', 'production'] },
];
const REQUEST: ApprovalRequestInput = {
  title: 'Deploy <api> v2 & migrate',
  description: 'Rolls out the new API.\nDowntime: none.',
  form: FORM,
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ workerApiKey: true, temporalCallTimeoutMs: 2_000 });
});
afterAll(async () => {
  await h?.close();
});

async function approvalRequest(input: ApprovalRequestInput = REQUEST) {
  const handle = await h.start('approvalRequest', [input]);
  const url = await waitForCallbackUrl(handle);
  return { handle, url };
}

function getPage(url: string, headers: Record<string, string> = HTML): Promise<Response> {
  return fetch(url, { headers });
}

function postForm(url: string, body: string, headers: Record<string, string> = HTML): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
}

/** Checks the headers every HTML answer carries. */
function expectPageHeaders(response: Response): void {
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(response.headers.get('content-security-policy')).toBe(APPROVAL_PAGE_CSP);
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
}

/** Reads an HTML refusal: its status, and the stable code the page shows. */
async function expectErrorPage(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expectPageHeaders(response);
  expect(await response.text()).toContain(`<code id="error-code">${code}</code> (HTTP ${status})`);
}

describe('opening a callback URL in a browser', () => {
  test('shows the page: title, description, fields and buttons, with its CSP, and delivers nothing', async () => {
    const { handle, url } = await approvalRequest();
    const response = await getPage(url);
    expect(response.status).toBe(200);
    expectPageHeaders(response);
    const csp = response.headers.get('content-security-policy')!;
    for (const directive of ["default-src 'none'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"]) expect(csp).toContain(directive);
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
    const html = await response.text();
    expect(html).toContain('<h1>Deploy &lt;api&gt; v2 &amp; migrate</h1>');
    expect(html).toContain('Rolls out the new API.\nDowntime: none.');
    expect(html).toContain('Comment &lt;em&gt;please&lt;/em&gt;');
    expect(html).toContain('<option value="production">production</option>');
    expect(html).toContain('value="approve"');
    expect(html).toContain('value="reject"');
    expect(html).not.toContain('<script');
    expect(await signalCount(handle)).toBe(0);
    await handle.terminate();
  });

  test('with allowGet too: a GET that accepts HTML (a link preview) gets the page, never a delivery', async () => {
    const { handle, url } = await approvalRequest({ ...REQUEST, allowGet: true });
    for (const accept of [BROWSER_ACCEPT, 'text/html', '*/*;q=0.1, text/html;q=0.5']) {
      const response = await getPage(`${url}?decision=approve`, { accept });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('value="approve"');
    }
    expect((await getPage(url, { accept: 'text/html', 'x-api-key': 'irrelevant' })).status).toBe(200);
    expect(await signalCount(handle)).toBe(0);
    // Without text/html in Accept, today's behaviour: allowGet delivers the query parameters.
    const delivery = await getPage(`${url}?decision=approve`, { accept: '*/*' });
    expect(delivery.status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'received', method: 'GET', data: { decision: 'approve' } });
  });

  test('without allowGet, a GET without text/html is still 405 JSON, and HEAD is 405 whatever it accepts', async () => {
    const { handle, url } = await approvalRequest();
    for (const accept of ['*/*', 'application/json', 'text/html;q=0']) {
      const response = await getPage(`${url}?decision=approve`, { accept });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST, PUT');
      expect((await errorOf(response)).code).toBe('METHOD_NOT_ALLOWED');
    }
    expect((await fetch(url, { method: 'HEAD', headers: HTML })).status).toBe(405);
    expect(await signalCount(handle)).toBe(0);
    await handle.terminate();
  });

  test('the callbacks query lists title, description and form (they are not secret)', async () => {
    const { handle } = await approvalRequest();
    const [info] = await handle.query(callbacksQuery);
    expect(info).toMatchObject({ title: REQUEST.title, description: REQUEST.description, form: FORM, status: 'pending' });
    await handle.terminate();
  });
});

describe('answering from the page', () => {
  test('the form POST resumes the workflow; the browser is thanked with a 202 page', async () => {
    const { handle, url } = await approvalRequest();
    const response = await postForm(url, 'comment=Ship+it%21&environment=production&decision=approve');
    expect(response.status).toBe(202);
    expectPageHeaders(response);
    const html = await response.text();
    expect(html).toContain('<h1>Thank you, your answer was recorded</h1>');
    expect(html).toContain('You answered: <strong>Approve</strong>');
    expect(await handle.result()).toMatchObject({
      status: 'received',
      method: 'POST',
      contentType: 'application/x-www-form-urlencoded',
      data: { decision: 'approve', comment: 'Ship it!', environment: 'production' },
    });
  });

  test('senders keep JSON: a JSON body, or an Accept that does not prefer HTML, is answered in JSON', async () => {
    const { handle, url } = await approvalRequest({ ...REQUEST, holdOpen: true });
    // Some HTTP libraries (e.g. Java's HttpURLConnection) put text/html first in their default Accept.
    const json = await postJson(url, { decision: 'reject' }, { accept: 'text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2', 'idempotency-key': 'one' });
    expect(json.status).toBe(202);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    const form = await postForm(url, 'decision=approve', { accept: 'application/json, text/html;q=0.5', 'idempotency-key': 'two' });
    expect(form.status).toBe(202);
    expect(((await form.json()) as { status: string }).status).toBe('accepted');
    await handle.signal(releaseSignal);
    expect(await handle.result()).toMatchObject({ data: { decision: 'reject' } });
  });

  test('once answered, the page says so and shows no buttons; once the workflow is done, it is closed', async () => {
    const { handle, url } = await approvalRequest({ ...REQUEST, holdOpen: true });
    expect((await postForm(url, 'decision=reject&comment=no')).status).toBe(202);
    let html = '';
    for (let attempt = 0; attempt < 50 && !html.includes('already been answered'); attempt++) {
      html = await (await getPage(url)).text();
      if (!html.includes('already been answered')) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(html).toContain('<h1>This request has already been answered</h1>');
    expect(html).toContain('Deploy &lt;api&gt; v2 &amp; migrate');
    expect(html).not.toMatch(/<form|<button/);

    await handle.signal(releaseSignal);
    await handle.result();
    const closed = await getPage(url);
    expect(closed.status).toBe(200);
    expectPageHeaders(closed);
    const closedHtml = await closed.text();
    expect(closedHtml).toContain('<h1>This request is closed</h1>');
    expect(closedHtml).not.toMatch(/<form|<button/);
    // A late submission from a page left open: the refusal is a page with its code.
    await expectErrorPage(await postForm(url, 'decision=approve'), 410, 'WORKFLOW_CLOSED');
  });

  test('a callback that requires a signature cannot be answered from a browser: no buttons', async () => {
    const { handle, url } = await approvalRequest({ ...REQUEST, requireSignature: 'ticketing' });
    const response = await getPage(url);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('cannot be answered from a browser');
    expect(html).not.toMatch(/<form|<button/);
    await handle.terminate();
  });
});

describe('refusals to a browser are pages with the stable code and the same status', () => {
  test('a bad or expired token: 401 before anything about the workflow is read', async () => {
    const { handle, url } = await approvalRequest();
    await expectErrorPage(await getPage(`${h.gatewayUrl}/callbacks/not-a-token`), 401, 'CALLBACK_TOKEN_INVALID');
    const token = url.split('/callbacks/')[1]!;
    await expectErrorPage(await getPage(`${h.gatewayUrl}/callbacks/${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`), 401, 'CALLBACK_TOKEN_INVALID');
    const expired = await h.minter.mint({
      namespace: 'default',
      workflowId: handle.workflowId,
      callbackId: 'expired',
      expiresAt: new Date(Date.now() - 10 * 60_000),
      requiresApiKey: false,
      allowGet: false,
    });
    await expectErrorPage(await getPage(`${h.gatewayUrl}/callbacks/${expired}`), 401, 'CALLBACK_TOKEN_EXPIRED');
    await expectErrorPage(await postForm(`${h.gatewayUrl}/callbacks/${expired}`, 'decision=approve'), 401, 'CALLBACK_TOKEN_EXPIRED');
    expect(await signalCount(handle)).toBe(0);
    await handle.terminate();
  });

  test('an API key is required for the page too; the ?api_key= of the URL carries it', async () => {
    const { handle, url } = await approvalRequest({ ...REQUEST, includeApiKey: true });
    expect(url).toContain('?api_key=');
    const page = await getPage(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('value="approve"');
    const bare = url.split('?')[0]!;
    await expectErrorPage(await getPage(bare), 401, 'API_KEY_MISSING');
    await expectErrorPage(await postForm(bare, 'decision=approve'), 401, 'API_KEY_MISSING');
    await expectErrorPage(await getPage(`${bare}?api_key=dcb_nope_nope`), 401, 'API_KEY_INVALID');
    expect(await signalCount(handle)).toBe(0);
    await handle.terminate();
  });

  test('a body the gateway cannot take, and a workflow that does not exist', async () => {
    const { handle, url } = await approvalRequest();
    const octets = await fetch(url, { method: 'POST', headers: { ...HTML, 'content-type': 'application/octet-stream' }, body: new Uint8Array([1, 2]) });
    await expectErrorPage(octets, 415, 'UNSUPPORTED_CONTENT_TYPE');
    await expectErrorPage(await postForm(url, 'decision=approve', { ...HTML, 'idempotency-key': '' }), 400, 'INVALID_DELIVERY_ID');
    expect(await signalCount(handle)).toBe(0);
    await handle.terminate();

    const token = await h.minter.mint({
      namespace: 'default',
      workflowId: `never-started-${Date.now()}`,
      callbackId: 'cb',
      expiresAt: new Date(Date.now() + 60_000),
      requiresApiKey: false,
      allowGet: false,
    });
    await expectErrorPage(await getPage(`${h.gatewayUrl}/callbacks/${token}`), 404, 'WORKFLOW_NOT_FOUND');
  });
});

describe('createCallback checks the page options', () => {
  test.each([
    ['a field named decision', { form: [{ name: 'decision', label: 'D', type: 'text' }] }],
    ['a select without options', { form: [{ name: 'env', label: 'Env', type: 'select' }] }],
    ['options on a text field', { form: [{ name: 'env', label: 'Env', type: 'text', options: ['a'] }] }],
    ['an unknown field type', { form: [{ name: 'env', label: 'Env', type: 'date' }] }],
    ['a field name that is not a name', { form: [{ name: 'a b', label: 'Env', type: 'text' }] }],
    ['the same name twice', { form: [{ name: 'a', label: 'A', type: 'text' }, { name: 'a', label: 'A', type: 'number' }] }],
    ['a title that is too long', { title: 'x'.repeat(201) }],
  ])('%s fails with INVALID_CALLBACK_OPTIONS', async (_what, options) => {
    const handle = await h.start('createWithOptions', [options as never]);
    const failure = (await handle.result().catch((err: unknown) => err)) as WorkflowFailedError;
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure.cause as { type?: string }).type).toBe('INVALID_CALLBACK_OPTIONS');
  });
});

// Last: it stops the worker.
describe('without a worker', () => {
  test('the page cannot read the details but still lets the person answer, and the answer is kept', async () => {
    const { handle, url } = await approvalRequest();
    await h.stopWorker();
    try {
      const response = await getPage(url);
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain('could not be loaded');
      expect(html).toContain('value="approve"');
      expect(html).not.toContain('Deploy');
      const answer = await postForm(url, 'decision=approve&comment=later');
      expect(answer.status).toBe(202);
      expect(await answer.text()).toContain('Thank you, your answer was recorded');
    } finally {
      await h.startWorker();
    }
    expect(await handle.result()).toMatchObject({ status: 'received', data: { decision: 'approve', comment: 'later' } });
  });
});
