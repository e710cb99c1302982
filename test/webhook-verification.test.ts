import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { clickButton, slackSignatureHeaders } from '../examples/slack-approval/slack-stand-in';
import { loadWebhookSources } from '../lib/webhook-sources';
import type { CallbackWaitResult } from '../workflows';
import { errorOf, startHarness, type Harness } from './support/harness';
import { GITHUB_SECRET, SLACK_SECRET, STANDARD_SECRET, STRIPE_SECRET, sendGitHub, sendStandard, sendStripe } from './support/webhook-senders';
import { subscribedQuery, type WebhookWaitInput } from './workflows';

/**
 * How `POST /webhooks/:source` verifies a provider's request: with any of a source's secrets (a
 * rotation), and what an authentic Slack request of each shape is answered. A real gateway and
 * worker against the tests' Temporal dev server.
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

let h: Harness;
let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dcb-webhook-verification-'));
  const file = path.join(dir, 'sources.json');
  await fs.writeFile(file, JSON.stringify(SOURCES));
  h = await startHarness({ webhookSources: loadWebhookSources(file, ENV) });
});
afterAll(async () => {
  await h?.close();
  await fs.rm(dir, { recursive: true, force: true });
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

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts a `webhookWait` workflow and resolves once its mailbox has the subscription. */
async function waiter(input: WebhookWaitInput): Promise<WorkflowHandle> {
  const handle = await h.start('webhookWait', [{ timeout: '1m', ...input }]);
  await until(async () => ((await handle.query(subscribedQuery)) ? true : undefined), 'the subscription');
  return handle;
}

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
