import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { approvalMailContent, LINK_NEVER_DECIDES } from '../activities/approval-mail-content';
import { createNotificationActivities } from '../activities/notification-activities';
import { standardWebhooksHeaders } from '../activities/notification-webhook';
import { slackFailure } from '../activities/slack-approval-card';
import { loadWorkerConfig } from '../worker';
import { describeNotifications } from '../config/notification-config';
import { checkNotifyChannels, slackOutcomeBlocks } from '../workflows';
import { codeOf } from './support/codes';

// The pure pieces of notifying: the mail's content (escaped), the webhook's signature (checked with
// the standardwebhooks library, which we did not write), how Slack's failures are classed, what a
// channel without its settings fails with, and the settings' parsing. No server needed.

const NOTICE = {
  url: 'https://callbacks.example.com/callbacks/eyJ.token.sig',
  action: { title: 'Drop table <users> & "orders"', summary: "Bob's <script>alert(1)</script> request" },
  initiator: { email: 'carol@example.com' },
  deadline: '2026-12-08T10:00:00.000Z',
  quorum: 2,
  votes: [],
};

describe('the approval mail', () => {
  test('names the action, who asked, the deadline and the link, says the link decides nothing, and escapes every value in the HTML', () => {
    const { subject, text, html } = approvalMailContent({ kind: 'request', approval: NOTICE });
    expect(subject).toBe('Approval needed: Drop table <users> & "orders"');
    for (const part of ['Drop table <users> & "orders"', 'carol@example.com', '2026-12-08T10:00:00.000Z', NOTICE.url, LINK_NEVER_DECIDES]) expect(text).toContain(part);
    expect(html).toContain('Drop table &lt;users&gt; &amp; &quot;orders&quot;');
    expect(html).toContain('Bob&#39;s &lt;script&gt;alert(1)&lt;/script&gt; request');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<users>');
    expect(html).toContain(`<a href="${NOTICE.url}">`);
  });

  test('a reminder says so in its subject, and a subject is one line', () => {
    const { subject } = approvalMailContent({ kind: 'reminder', approval: { ...NOTICE, action: { title: 'Two\nlines' } } });
    expect(subject).toBe('Reminder: approval needed: Two lines');
  });

  test("a hand-off names who handed it on and their comment, or the operator's reason, escaped in the HTML", () => {
    const delegated = approvalMailContent({ kind: 'delegation', approval: NOTICE, handOff: { from: { name: 'Grace <Delegator>', email: 'grace@example.com' }, comment: 'Out this <week>.' } });
    expect(delegated.subject).toBe('Handed to you: Drop table <users> & "orders"');
    for (const part of ['Grace <Delegator> <grace@example.com>', 'Out this <week>.', NOTICE.url, LINK_NEVER_DECIDES]) expect(delegated.text).toContain(part);
    expect(delegated.html).toContain('Grace &lt;Delegator&gt; &lt;grace@example.com&gt;');
    expect(delegated.html).not.toContain('<week>');
    const reassigned = approvalMailContent({ kind: 'reassignment', approval: NOTICE, handOff: { reason: 'Grace is on leave' } });
    expect(reassigned.subject).toBe('Assigned to you: Drop table <users> & "orders"');
    expect(reassigned.text).toContain('Reason: Grace is on leave');
  });
});

test("the webhook's Standard Webhooks headers verify with the standardwebhooks library", () => {
  const key = randomBytes(32);
  const body = JSON.stringify({ type: 'approval.requested', url: NOTICE.url });
  const headers = standardWebhooksHeaders(key, 'msg_1', body);
  expect(() => new Webhook(`whsec_${key.toString('base64')}`).verify(body, headers)).not.toThrow();
  expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(body, headers)).toThrow();
});

describe("Slack's failures, classed for the activity's retry policy", () => {
  test.each([
    [{ code: 'slack_webapi_rate_limited_error', retryAfter: 7 }, 'SLACK_RATE_LIMITED', false],
    [{ code: 'slack_webapi_http_error', statusCode: 503 }, 'SLACK_UNAVAILABLE', false],
    [{ code: 'slack_webapi_request_error', message: 'ECONNREFUSED' }, 'SLACK_UNAVAILABLE', false],
    [{ code: 'slack_webapi_platform_error', data: { error: 'internal_error' } }, 'SLACK_UNAVAILABLE', false],
    [{ code: 'slack_webapi_platform_error', data: { error: 'channel_not_found' } }, 'SLACK_REFUSED', true],
    [{ code: 'slack_webapi_platform_error', data: { error: 'invalid_auth' } }, 'SLACK_REFUSED', true],
    [{ code: 'slack_webapi_http_error', statusCode: 404 }, 'SLACK_REFUSED', true],
  ])('%j is %s (non-retryable: %s)', (error, type, nonRetryable) => {
    const failure = slackFailure(error, 'chat.postMessage');
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(nonRetryable);
  });

  test("429 is retried no sooner than Slack's Retry-After", () => {
    expect(slackFailure({ code: 'slack_webapi_rate_limited_error', retryAfter: 7 }, 'chat.update').nextRetryDelay).toBe('7s');
  });
});

test('a channel used on a worker without its settings fails, not retried, naming what to set', async () => {
  const activities = createNotificationActivities({ webhookSecrets: new Map() });
  const mail = activities.sendApprovalMail({ to: ['a@example.com'], kind: 'request', approval: NOTICE });
  await expect(mail).rejects.toMatchObject({ type: 'MAIL_NOT_CONFIGURED', nonRetryable: true, message: expect.stringContaining('SMTP_URL') });
  await expect(activities.postApprovalCard({ channel: 'C1', text: 't', blocks: [] })).rejects.toMatchObject({ type: 'SLACK_NOT_CONFIGURED', nonRetryable: true, message: expect.stringContaining('SLACK_BOT_TOKEN') });
  await expect(activities.postNotificationWebhook({ url: 'http://127.0.0.1:9/', sender: 'ops', id: 'msg_1', event: { type: 'approval.ended', url: NOTICE.url, action: NOTICE.action, workflowId: 'w', approvalId: 'a', votes: [] } })).rejects.toMatchObject({
    type: 'NOTIFY_WEBHOOK_SECRET_MISSING',
    nonRetryable: true,
  });
});

test('the outcome card has no buttons left, and escapes what it shows', () => {
  const blocks = slackOutcomeBlocks(NOTICE, { outcome: 'rejected', decidedBy: 'votes', votes: [{ decision: 'reject', approver: { issuer: 'i', subject: 's', name: 'Eve <admin>', via: 'oidc' }, at: '2026-12-07T10:00:00Z' } as never] });
  expect(blocks.some((block) => block.type === 'actions')).toBe(false);
  expect(JSON.stringify(blocks)).toContain('Rejected (1 vote)');
  expect(JSON.stringify(blocks)).toContain('Eve &lt;admin&gt;');
});

describe('the worker reads its notification settings once, from the environment', () => {
  const base = { CALLBACK_SIGNING_SECRET: randomBytes(32).toString('base64url') };

  test('mail, Slack and webhook secrets', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const config = loadWorkerConfig({ ...base, SMTP_URL: 'smtp://mailer:pw@mail.example.com:587', MAIL_FROM: 'approvals@example.com', SLACK_BOT_TOKEN: 'xoxb-1', NOTIFY_WEBHOOK_SECRETS: `ops=${secret}` });
    expect(config.notifications).toMatchObject({ mail: { smtpUrl: 'smtp://mailer:pw@mail.example.com:587', from: 'approvals@example.com' }, slack: { token: 'xoxb-1', apiUrl: 'https://slack.com/api/' } });
    expect(config.notifications?.webhookSecrets.get('ops')).toHaveLength(32);
    // The worker's startup line names where notifications go, and no credential, token or secret.
    const line = describeNotifications(config.notifications!)!;
    expect(line).toBe('mail via smtp://mail.example.com:587 from approvals@example.com; Slack at https://slack.com/api/; signed webhooks for ops');
    expect(describeNotifications(loadWorkerConfig(base).notifications!)).toBeUndefined();
  });

  test('none is needed; SMTP_URL without MAIL_FROM, a malformed secret and a bad SMTP_URL are each named, and no secret is echoed', async () => {
    expect(loadWorkerConfig(base).notifications).toEqual({ webhookSecrets: new Map() });
    const load = async (env: Record<string, string>) => loadWorkerConfig({ ...base, ...env });
    expect(await codeOf(load({ SMTP_URL: 'smtp://mail.example.com' }))).toBe('INVALID_CONFIG');
    let message = '';
    try {
      loadWorkerConfig({ ...base, SMTP_URL: 'http://user:hunter2@mail.example.com', NOTIFY_WEBHOOK_SECRETS: 'ops=whsec_c2hvcnQ=,other=not-a-secret-value' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('SMTP_URL');
    expect(message).toContain('NOTIFY_WEBHOOK_SECRETS');
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('c2hvcnQ');
    expect(message).not.toContain('not-a-secret-value');
  });
});

test.each([
  ['not a list', { email: { to: ['a@example.com'] } }],
  ['an email channel without addresses', [{ email: { to: [] } }]],
  ['an address without @', [{ email: { to: ['ops'] } }]],
  ['a Slack channel without its id', [{ slack: {} }]],
  ['a webhook to a non-HTTP URL', [{ webhook: { url: 'ftp://example.com/x' } }]],
  ['two channels in one entry', [{ slack: { channel: 'C1' }, email: { to: ['a@example.com'] } }]],
  ['an unknown channel', [{ pager: { to: 'x' } }]],
])('notify refuses %s with INVALID_CALLBACK_OPTIONS', (_what, channels) => {
  expect(() => checkNotifyChannels(channels)).toThrow(expect.objectContaining({ type: 'INVALID_CALLBACK_OPTIONS', nonRetryable: true }));
});

test('notify takes mail, Slack and webhook channels', () => {
  const channels = [{ email: { to: ['a@example.com'] } }, { slack: { channel: 'C1' } }, { webhook: { url: 'https://ops.example.com/hook', sender: 'ops' } }];
  expect(checkNotifyChannels(channels)).toEqual(channels);
});
