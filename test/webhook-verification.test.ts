import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';
import { clickButton, slackSignatureHeaders } from '../examples/slack-approval/slack-stand-in';
import { standardWebhooksSignature } from '../callback-gateway/standard-webhooks';
import type { CallbackWaitResult } from '../workflows';
import { errorOf, type Harness } from './support/harness';
import { startWebhookHarness, startWebhookWaiter } from './support/webhook-harness';
import { startWaiting } from './support/tokens';
import { GITHUB_SECRET, SLACK_SECRET, STANDARD_SECRET, STRIPE_SECRET, sendGitHub, sendStandard, sendStripe } from './support/webhook-senders';
import type { WebhookWaitInput } from './workflows';

/**
 * How `POST /webhooks/:source` verifies a provider's request: with any of a source's secrets (a
 * rotation), over the bytes as sent (a gzip body too), and what an authentic Slack request of each
 * shape is answered. A real gateway and worker against the tests' Temporal dev server.
 */

/** The secrets each source rotates to; the old ones are the senders' defaults. */
const NEW = {
  github: 'github-rotated-secret',
  stripe: 'whsec_stripe_rotated_secret',
  slack: 'slack-rotated-signing-secret',
  standard: `whsec_${Buffer.from('standard-webhooks-rotated-secret!').toString('base64')}`,
};
/** A secret no source has. */
const OTHER = {
  github: 'github-some-other-secret',
  stripe: 'whsec_stripe_some_other_secret',
  slack: 'slack-some-other-signing-secret',
  standard: `whsec_${Buffer.from('standard-webhooks-other-secret!!!').toString('base64')}`,
};

const SOURCES = {
  github: {
    provider: 'github',
    secretEnv: ['TEST_GITHUB_NEW_SECRET', 'TEST_GITHUB_OLD_SECRET'],
    events: { pull_request: { key: '{/repository/full_name}#{/pull_request/number}' } },
  },
  stripe: { provider: 'stripe', secret: [NEW.stripe, STRIPE_SECRET], events: { 'invoice.paid': { key: '{/data/object/id}' } } },
  slack: {
    provider: 'slack',
    secretEnv: ['TEST_SLACK_NEW_SECRET', 'TEST_SLACK_OLD_SECRET'],
    events: { block_actions: { key: '{/actions/0/value}' }, slash_command: { key: '{/command}:{/text}' } },
  },
  standard: { provider: 'standard-webhooks', secret: [NEW.standard, STANDARD_SECRET], events: { '*': { key: '{/data/id}' } } },
  'github-single': { provider: 'github', secret: GITHUB_SECRET, events: { pull_request: { key: '{/repository/full_name}#{/pull_request/number}' } } },
};
const ENV = { TEST_GITHUB_NEW_SECRET: NEW.github, TEST_GITHUB_OLD_SECRET: GITHUB_SECRET, TEST_SLACK_NEW_SECRET: NEW.slack, TEST_SLACK_OLD_SECRET: SLACK_SECRET };

/** The Standard Webhooks sender a signed callback URL requires, and its secret. */
const SENDER = 'ticketing';
const SENDER_KEY = randomBytes(32);
const MAX_BODY_BYTES = 16 * 1024;

let h: Harness;
beforeAll(async () => {
  h = await startWebhookHarness(SOURCES, { env: ENV, signatureSecrets: new Map([[SENDER, SENDER_KEY]]), maxBodyBytes: MAX_BODY_BYTES });
});
afterAll(async () => {
  await h?.close();
});

const url = (source: string) => `${h.gatewayUrl}/webhooks/${source}`;
const unique = () => randomUUID().slice(0, 8);

async function expectRefused(response: Response, status: number, code: string): Promise<void> {
  expect({ status: response.status, code: (await errorOf(response)).code }).toEqual({ status, code });
}

describe('a source with several secrets (a rotation) verifies a signature made with any of them', () => {
  test('GitHub (@octokit/webhooks-methods): the new and the old secret verify; a third is 401', async () => {
    const body = { ref: 'refs/heads/main' };
    for (const secret of [NEW.github, GITHUB_SECRET]) {
      const response = await sendGitHub(url('github'), { event: 'push', deliveryId: `gh-${unique()}`, body, secret });
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ status: 'ignored', event: 'push' });
    }
    await expectRefused(await sendGitHub(url('github'), { event: 'push', deliveryId: `gh-${unique()}`, body, secret: OTHER.github }), 401, 'WEBHOOK_SIGNATURE_INVALID');
  });

  test('Stripe (stripe.webhooks.generateTestHeaderString): the new and the old secret verify; a third is 401', async () => {
    const event = () => ({ id: `evt_${unique()}`, type: 'invoice.created', data: { object: { id: `in_${unique()}` } } });
    for (const secret of [NEW.stripe, STRIPE_SECRET]) {
      const response = await sendStripe(url('stripe'), { event: event(), secret });
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ status: 'ignored', event: 'invoice.created' });
    }
    await expectRefused(await sendStripe(url('stripe'), { event: event(), secret: OTHER.stripe }), 401, 'WEBHOOK_SIGNATURE_INVALID');
  });

  test('Slack (signed as Slack signs): the new and the old signing secret verify; a third is 401', async () => {
    for (const secret of [NEW.slack, SLACK_SECRET]) {
      const response = await clickButton(url('slack'), secret, { actionId: 'approve', value: `v-${unique()}`, user: 'U1', messageTs: '1.2' });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('');
    }
    await expectRefused(await clickButton(url('slack'), OTHER.slack, { actionId: 'approve', value: `v-${unique()}`, user: 'U1', messageTs: '1.2' }), 401, 'WEBHOOK_SIGNATURE_INVALID');
  });

  test('Standard Webhooks (standardwebhooks): the new and the old secret verify; a third is 401', async () => {
    const body = { type: 'object.created', data: { name: 'no id, so no key' } };
    for (const secret of [NEW.standard, STANDARD_SECRET]) {
      const response = await sendStandard(url('standard'), { id: `msg_${unique()}`, body, secret });
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ status: 'ignored', event: 'object.created' });
    }
    await expectRefused(await sendStandard(url('standard'), { id: `msg_${unique()}`, body, secret: OTHER.standard }), 401, 'WEBHOOK_SIGNATURE_INVALID');
  });

  test('a source with one secret still refuses the secrets of another source', async () => {
    await expectRefused(await sendGitHub(url('github-single'), { event: 'push', deliveryId: `gh-${unique()}`, body: {}, secret: NEW.github }), 401, 'WEBHOOK_SIGNATURE_INVALID');
    expect((await sendGitHub(url('github-single'), { event: 'push', deliveryId: `gh-${unique()}`, body: {} })).status).toBe(202);
  });
});

/** Posts a form body to the Slack source, signed as Slack signs with `secret`. */
function sendSlackForm(body: string, secret = SLACK_SECRET): Promise<Response> {
  return fetch(url('slack'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignatureHeaders(secret, body) }, body });
}

/** The form Slack posts when someone runs a slash command. */
function slashCommandBody(command: string, text: string): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0001',
    channel_id: 'C2147483705',
    user_id: 'U2147483697',
    user_name: 'dana',
    command,
    text,
    response_url: 'https://hooks.slack.com/commands/1234/5678',
    trigger_id: '13345224609.738474920.8088930838d88f008e0',
    api_app_id: 'A123456',
  }).toString();
}

const waiter = (input: WebhookWaitInput) => startWebhookWaiter(h, input);

describe('Slack slash commands and other authentic Slack requests', () => {
  test('a slash command is answered 200 with an empty body, and its key rule routes it to the wait for its key', async () => {
    const text = `deploy-${unique()}`;
    const handle = await waiter({ source: 'slack', event: 'slash_command', key: `/ship:${text}` });
    const response = await sendSlackForm(slashCommandBody('/ship', text));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    const result = (await handle.result()) as CallbackWaitResult;
    expect(result).toMatchObject({
      status: 'received',
      data: { command: '/ship', text, user_id: 'U2147483697', trigger_id: '13345224609.738474920.8088930838d88f008e0' },
      webhook: { source: 'slack', event: 'slash_command', key: `/ship:${text}` },
    });
    if (result.status === 'received') expect(result.deliveryId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test.each([
    ['without text', new URLSearchParams({ command: '/ship', user_id: 'U1' }).toString()],
    ['with empty text', slashCommandBody('/ship', '')],
  ])('a slash command its rule gives no key (%s) is answered 200 with an empty body', async (_name, body) => {
    const response = await sendSlackForm(body);
    expect([response.status, await response.text()]).toEqual([200, '']);
  });

  test.each([
    ['an ssl_check', 'ssl_check=1&token=abc'],
    ['a form with neither payload nor command', 'hello=world'],
    ['a payload that is not JSON', 'payload=not-json'],
    ['a payload that is a JSON array', `payload=${encodeURIComponent('[1,2]')}`],
  ])('%s, authentic, is answered 200 with an empty body, never 400', async (_name, body) => {
    const response = await sendSlackForm(body);
    expect([response.status, await response.text()]).toEqual([200, '']);
  });

  test('an authentic JSON body that is not an object is answered 202 ignored, never 400', async () => {
    const body = '[1,2,3]';
    const response = await fetch(url('slack'), { method: 'POST', headers: { 'content-type': 'application/json', ...slackSignatureHeaders(SLACK_SECRET, body) }, body });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: 'ignored', source: 'slack', event: null });
  });

  test('a slash command signed with a wrong secret is still 401', async () => {
    await expectRefused(await sendSlackForm(slashCommandBody('/ship', 'x'), OTHER.slack), 401, 'WEBHOOK_SIGNATURE_INVALID');
  });
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Posts `body` (bytes as sent) with `headers`, chunked (no Content-Length), as `http.request` does with no length given. */
function postChunked(target: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(target, { method: 'POST', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.write(body.subarray(0, body.byteLength >> 1));
    request.end(body.subarray(body.byteLength >> 1));
  });
}

describe('a gzip body is verified over the bytes as sent', () => {
  const githubHeaders = (signed: Buffer) => ({
    'content-type': 'application/json',
    'content-encoding': 'gzip',
    'x-github-event': 'pull_request',
    'x-github-delivery': `gh-${unique()}`,
    'x-hub-signature-256': `sha256=${createHmac('sha256', GITHUB_SECRET).update(signed).digest('hex')}`,
  });

  test('GitHub: signed over its gzip bytes, it verifies and its JSON is routed; signed over the JSON but sent gzipped, 401', async () => {
    const repo = `octo/gzip-${unique()}`;
    const event = { action: 'opened', repository: { full_name: repo }, pull_request: { number: 5 } };
    const json = Buffer.from(JSON.stringify(event));
    const gzipped = zlib.gzipSync(json);
    await expectRefused(await fetch(url('github'), { method: 'POST', headers: githubHeaders(json), body: gzipped }), 401, 'WEBHOOK_SIGNATURE_INVALID');
    const handle = await waiter({ source: 'github', event: 'pull_request', key: `${repo}#5` });
    const response = await fetch(url('github'), { method: 'POST', headers: githubHeaders(gzipped), body: gzipped });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: 'accepted', key: `${repo}#5` });
    expect(await handle.result()).toMatchObject({ status: 'received', data: event });
  });

  test('Slack: a form signed over its gzip bytes verifies; signed over the form but sent gzipped, 401', async () => {
    const form = Buffer.from(slashCommandBody('/ship', `gzip-${unique()}`));
    const gzipped = zlib.gzipSync(form);
    // Slack's stand-in signs text; for the gzip bytes, the same HMAC over the bytes themselves.
    const timestamp = String(nowSeconds());
    const overBytes = createHmac('sha256', SLACK_SECRET).update(`v0:${timestamp}:`).update(gzipped).digest('hex');
    const good = await fetch(url('slack'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': `v0=${overBytes}` },
      body: gzipped,
    });
    expect([good.status, await good.text()]).toEqual([200, '']);
    const overForm = { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip', ...slackSignatureHeaders(SLACK_SECRET, form.toString()) };
    await expectRefused(await fetch(url('slack'), { method: 'POST', headers: overForm, body: gzipped }), 401, 'WEBHOOK_SIGNATURE_INVALID');
  });

  test('a signed callback URL: a Standard Webhooks signature over the gzip bytes verifies; over the JSON, 401 SIGNATURE_INVALID', async () => {
    const { handle, url: callbackUrl } = await startWaiting(h, { requireSignature: SENDER });
    const data = { ticket: `T-${unique()}`, status: 'resolved' };
    const json = Buffer.from(JSON.stringify(data));
    const gzipped = zlib.gzipSync(json);
    const headers = (signed: Buffer) => {
      const id = `evt_${unique()}`;
      const timestamp = String(nowSeconds());
      return { 'content-type': 'application/json', 'content-encoding': 'gzip', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${standardWebhooksSignature(SENDER_KEY, id, timestamp, signed)}` };
    };
    await expectRefused(await fetch(callbackUrl, { method: 'POST', headers: headers(json), body: gzipped }), 401, 'SIGNATURE_INVALID');
    expect((await fetch(callbackUrl, { method: 'POST', headers: headers(gzipped), body: gzipped })).status).toBe(202);
    expect(await handle.result()).toMatchObject({ status: 'received', data });
  });

  test('a gzip body over the size limit as sent is 413, though it inflates to less', async () => {
    // Stored, not compressed: a few bytes more on the wire than inflated.
    const json = Buffer.from(JSON.stringify({ filler: 'x'.repeat(MAX_BODY_BYTES - 20) }));
    expect(json.byteLength).toBeLessThanOrEqual(MAX_BODY_BYTES);
    const stored = zlib.gzipSync(json, { level: 0 });
    expect(stored.byteLength).toBeGreaterThan(MAX_BODY_BYTES);
    const answer = await postChunked(url('github'), githubHeaders(stored), stored);
    expect({ status: answer.status, code: (JSON.parse(answer.body) as { error: { code: string } }).error.code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });
});
