import type { ActivityOptions } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { startSlackWebApi, type SlackWebApiStandIn } from '../examples/slack-approval/slack-stand-in';
import { notifyWebhookSecrets } from '../config/notification-config';
import { approvalsQuery } from '../protocol/definitions';
import type { NotificationReport } from '../workflows';
import type { auditedApproval, productionChange } from './workflows';
import { cancelApprovalSignal, type AuditedApprovalInput } from './workflows/audited-approval';
import { reissueCallback } from '../client';
import { freePort } from './support/dev-server';
import { postJson, startHarness, type Harness } from './support/harness';
import { startSignInHarness } from './support/sign-in-harness';
import { startMailServer, type TestMailServer } from './support/mail-server';
import { hiddenField, signInAs, TestBrowser, type DevOidcProvider } from './support/oidc';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import { startNotifyReceiver, until, type NotifyReceiver } from './support/notify-receiver';

// Notifying people, nothing mocked but Slack itself: requestApproval's notify on a real worker
// mails the link to a real SMTP server (smtp-server, parsed with mailparser), posts the card to a
// stand-in Slack Web API on a real port (through @slack/web-api, as against Slack), and POSTs a
// signed webhook that a receiver checks with the standardwebhooks library. The test follows the
// mailed link as a person would, signs in at the development OpenID Connect provider and decides.

const BOT_TOKEN = 'xoxb-notify-test-bot-token';
const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const ACTION = { title: 'Open port 5432 on prod-db-eu to the <reporting> subnet', summary: 'For the quarterly export & audit, CHG-4410.' };
/** Short retries, so faults end in a report within seconds. */
const QUICK_RETRY: ActivityOptions = { retry: { maximumAttempts: 2, initialInterval: '200ms', maximumInterval: '1s' } };

const reportOf = (reports: NotificationReport[], channel: NotificationReport['channel'], target: string) => reports.find((report) => report.channel === channel && report.target === target);

let provider: DevOidcProvider;
let mail: TestMailServer;
let slack: SlackWebApiStandIn;
let receiver: NotifyReceiver;
let h: Harness;
let gatewayUrl: string;

beforeAll(async () => {
  [mail, slack, receiver] = await Promise.all([startMailServer(), startSlackWebApi({ token: BOT_TOKEN }), startNotifyReceiver(WEBHOOK_SECRET)]);
  ({ h, provider, gatewayUrl } = await startSignInHarness({
    notifications: {
      mail: { smtpUrl: mail.url, from: 'Approvals <approvals@example.test>' },
      slack: { token: BOT_TOKEN, apiUrl: slack.url },
      webhookSecrets: notifyWebhookSecrets(`ops=${WEBHOOK_SECRET}`),
    },
  }));
}, 60_000);
afterAll(async () => {
  await h?.close();
  await Promise.all([provider?.close(), mail?.close(), slack?.close(), receiver?.close()]);
});

describe('an approval notified by mail, Slack and a signed webhook', () => {
  test('the mailed link shows the page and decides nothing; after the decision it shows the outcome, the card is rewritten and the webhook hears the end', async () => {
    const input: AuditedApprovalInput = {
      action: ACTION,
      approvers: [{ group: 'change-board' }],
      initiator: { email: 'carol@example.com' },
      timeout: '10m',
      notify: [{ email: { to: ['dana@example.com'] } }, { slack: { channel: 'C0CHANGES' } }, { webhook: { url: receiver.url, sender: 'ops' } }],
      notifyActivityOptions: QUICK_RETRY,
    };
    const handle = await h.start<typeof auditedApproval>('auditedApproval', [input]);
    const url = (await waitForCallbackUrl(handle)).replace(h.gatewayUrl, gatewayUrl);

    // The mail: subject and both bodies name the action, who asked and the link; the HTML escapes the action.
    const received = await mail.mailTo('dana@example.com');
    expect(received.subject).toBe(`Approval needed: ${ACTION.title}`);
    expect(received.from?.text).toContain('approvals@example.test');
    expect(received.text).toContain('carol@example.com');
    expect(received.html).toContain('&lt;reporting&gt;');
    expect(received.html).not.toContain('<reporting>');
    const mailedLink = /(https?:\/\/\S+\/callbacks\/\S+)/.exec(received.text ?? '')?.[1];
    expect(mailedLink?.replace(h.gatewayUrl, gatewayUrl)).toBe(url);

    // Following the mailed link (a person, a scanner or a preview): the page, and nothing decided.
    const opened = await fetch(mailedLink!.replace(h.gatewayUrl, gatewayUrl), { headers: { accept: 'text/html' } });
    expect(opened.status).toBe(200);
    const page = await opened.text();
    expect(page).toContain('Open port 5432 on prod-db-eu to the &lt;reporting&gt; subnet');
    expect(page).toContain('Sign in to decide');
    expect((await handle.query(approvalsQuery))[0]).toMatchObject({ status: 'pending', votes: [] });

    // The Slack card, posted with the bot token, with the approval's buttons; the signed webhook.
    await until(() => slack.messages.length === 1 && receiver.events.length === 1, 'the card and the webhook');
    const card = slack.messages[0]!;
    expect(card.channel).toBe('C0CHANGES');
    expect(card.buttons.map((button) => button.value)).toEqual([`approve|${url.split('/').pop()}`, `reject|${url.split('/').pop()}`]);
    expect(receiver.events[0]).toMatchObject({ verified: true, event: { type: 'approval.requested', url: expect.stringContaining('/callbacks/'), action: ACTION, workflowId: handle.workflowId } });

    // Dana, on the change board, opens the mailed link, signs in and approves.
    const browser = new TestBrowser();
    const signedIn = await (await signInAs(browser, url, 'dana')).response!.text();
    const decided = await browser.postForm(url, { decision: 'approve', csrf: hiddenField(signedIn, 'csrf')!, actionDigest: hiddenField(signedIn, 'actionDigest')! }, { accept: 'application/json' });
    expect(decided.status).toBe(200);

    const result = await handle.result();
    expect(result.outcome).toBe('approved');
    expect(result.notifications).toHaveLength(3);
    expect(reportOf(result.notifications, 'email', 'dana@example.com')).toMatchObject({ kind: 'request', sent: true, withdrawn: true });
    expect(reportOf(result.notifications, 'slack', 'C0CHANGES')).toMatchObject({ kind: 'request', sent: true, withdrawn: true, ts: card.ts });
    expect(reportOf(result.notifications, 'webhook', receiver.url)).toMatchObject({ kind: 'request', sent: true, withdrawn: true });
    for (const report of result.notifications) expect(report.error).toBeUndefined();

    // The card, rewritten in place (the same ts) with the outcome and no buttons.
    expect(slack.updates).toHaveLength(1);
    expect(slack.updates[0]).toMatchObject({ channel: 'C0CHANGES', ts: card.ts });
    expect(slack.updates[0]!.text).toContain('Approved');
    expect(slack.updates[0]!.blocks.some((block) => block.type === 'actions')).toBe(false);
    expect(JSON.stringify(slack.updates[0]!.blocks)).toContain('Dana Reviewer');
    // The webhook heard the end, signed, under a new webhook-id.
    expect(receiver.events[1]).toMatchObject({ verified: true, event: { type: 'approval.ended', outcome: 'approved', decidedBy: 'votes' } });
    expect(receiver.events[1]!.id).not.toBe(receiver.events[0]!.id);
    // Slack saw the bot token on every call.
    expect(slack.calls.map((call) => [call.method, call.status, call.error])).toEqual([
      ['chat.postMessage', 200, undefined],
      ['chat.update', 200, undefined],
    ]);

    // The mailed link again: the outcome, not a form.
    const again = await (await fetch(mailedLink!.replace(h.gatewayUrl, gatewayUrl), { headers: { accept: 'text/html' } })).text();
    expect(again).toContain('This request was approved');
    expect(again).toContain('id="approval-outcome">approved<');
    expect(again).not.toContain('<form');
    expect(again).not.toContain('Sign in to decide');
  });
});

describe('a reissued link reaches the Slack card', () => {
  test("an operator's reissue rewrites the posted card, so its buttons carry the new link, not the replaced one", async () => {
    const handle = await h.start<typeof auditedApproval>('auditedApproval', [
      { action: ACTION, approvers: [{ group: 'change-board' }], timeout: '10m', notify: [{ slack: { channel: 'C0REISSUE' } }], notifyActivityOptions: QUICK_RETRY, cancelOnRelease: true },
    ]);
    const url = await waitForCallbackUrl(handle);
    await until(() => slack.messages.some((message) => message.channel === 'C0REISSUE'), 'the card');
    const card = slack.messages.find((message) => message.channel === 'C0REISSUE')!;
    const [approval] = await handle.query(approvalsQuery);

    const reissued = await reissueCallback(h.client, handle.workflowId, approval!.callbackId);
    const newToken = reissued.url.split('/').pop()!;
    expect(newToken).not.toBe(url.split('/').pop());
    await until(() => slack.updates.some((update) => update.ts === card.ts), 'the card rewritten');
    const rewritten = slack.updates.find((update) => update.ts === card.ts)!;
    expect(JSON.stringify(rewritten.blocks)).toContain(`approve|${newToken}`);
    expect(JSON.stringify(rewritten.blocks)).not.toContain(url.split('/').pop());

    await handle.signal(cancelApprovalSignal);
    const result = await handle.result();
    expect(reportOf(result.notifications, 'slack', 'C0REISSUE')).toMatchObject({ sent: true, withdrawn: true, ts: card.ts });
    expect(reportOf(result.notifications, 'slack', 'C0REISSUE')!.refreshError).toBeUndefined();
  });
});

describe('notification faults never block the approval; the result says which failed', () => {
  let down: Harness;
  let closedPort: number;

  beforeAll(async () => {
    closedPort = await freePort();
    // SMTP down: nothing listens on the mail port. No webhook secrets: a named sender is refused.
    down = await startHarness({ notifications: { mail: { smtpUrl: `smtp://127.0.0.1:${closedPort}`, from: 'approvals@example.test' }, slack: { token: BOT_TOKEN, apiUrl: slack.url }, webhookSecrets: new Map() } });
  }, 60_000);
  afterAll(async () => {
    await down?.close();
  });

  test('SMTP down, Slack 500 then ok, 429 with Retry-After then ok, an unknown channel, a card that cannot be rewritten, an unreachable webhook: decided all the same', async () => {
    slack.faults.push(
      { method: 'chat.postMessage', channel: 'C0FLAKY', status: 500 },
      { method: 'chat.postMessage', channel: 'C0BUSY', status: 429, retryAfter: 1 },
      { method: 'chat.update', channel: 'C0BUSY', error: 'cant_update_message' },
    );
    const before = slack.calls.length;
    const input: AuditedApprovalInput = {
      action: { title: 'Restart the EU edge proxies' },
      allowLinkHolders: true,
      timeout: '10m',
      notify: [
        { email: { to: ['ops@example.com'] } },
        { slack: { channel: 'C0FLAKY' } },
        { slack: { channel: 'C0BUSY' } },
        { slack: { channel: 'C0MISSING' } },
        { webhook: { url: `http://127.0.0.1:${closedPort}/hook` } },
        { webhook: { url: receiver.url, sender: 'unknown-sender' } },
      ],
      notifyActivityOptions: QUICK_RETRY,
    };
    const handle = await down.start<typeof auditedApproval>('auditedApproval', [input]);
    const url = await waitForCallbackUrl(handle);
    // Decided while sends may still be retrying: the vote is taken at once.
    const vote = await postJson(url, { decision: 'approve' });
    expect(vote.status).toBeLessThan(300);

    const result = await handle.result();
    expect(result.outcome).toBe('approved');
    const reports = result.notifications;
    expect(reports).toHaveLength(6);
    expect(reportOf(reports, 'email', 'ops@example.com')).toMatchObject({ sent: false, error: { type: 'MAIL_UNAVAILABLE' } });
    expect(reportOf(reports, 'slack', 'C0FLAKY')).toMatchObject({ sent: true, withdrawn: true });
    // Posted after Slack's Retry-After, but its rewrite was refused: the result says it could not be withdrawn.
    expect(reportOf(reports, 'slack', 'C0BUSY')).toMatchObject({ sent: true, withdrawn: false, withdrawError: { type: 'SLACK_REFUSED', message: expect.stringContaining('cant_update_message') } });
    expect(reportOf(reports, 'slack', 'C0MISSING')).toMatchObject({ sent: false, error: { type: 'SLACK_REFUSED', message: expect.stringContaining('channel_not_found') } });
    expect(reportOf(reports, 'webhook', `http://127.0.0.1:${closedPort}/hook`)).toMatchObject({ sent: false, error: { type: 'WEBHOOK_UNAVAILABLE' } });
    expect(reportOf(reports, 'webhook', receiver.url)).toMatchObject({ sent: false, error: { type: 'NOTIFY_WEBHOOK_SECRET_MISSING' } });

    const calls = slack.calls.slice(before);
    // Each fault was answered once and retried by the activity's policy; the unknown channel was not retried.
    expect(calls.filter((call) => call.status === 500)).toHaveLength(1);
    expect(calls.filter((call) => call.status === 429)).toHaveLength(1);
    expect(calls.filter((call) => call.error === 'channel_not_found')).toHaveLength(1);
    // The card that could be rewritten was, with the outcome.
    expect(slack.updates.filter((update) => ['C0FLAKY', 'C0BUSY'].includes(update.channel)).map((update) => update.channel)).toEqual(['C0FLAKY']);
    expect(calls.filter((call) => call.error === 'cant_update_message')).toHaveLength(1);
    // Secrets stay out of what the workflow recorded.
    expect(JSON.stringify(await handle.fetchHistory())).not.toContain(BOT_TOKEN);
  });
});

describe('the worked example (examples/it-change) asks in Slack through notify', () => {
  test('its card is posted to the channel and, when the board does not decide in time, rewritten as rejected', async () => {
    const before = slack.messages.length;
    const handle = await h.start<typeof productionChange>('productionChange', [
      {
        system: 'prod-db-eu',
        change: 'Grant contractor c-4411 read-only access',
        reason: 'Migration window.',
        ticket: 'CHG-2207',
        requester: 'carol@example.com',
        timeout: '2s',
        slack: { channel: 'C0EXAMPLE', teamId: 'T1', approvers: ['U1'] },
      },
    ]);
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'rejected', applied: false });
    expect(result.notifications).toEqual([expect.objectContaining({ channel: 'slack', target: 'C0EXAMPLE', sent: true, withdrawn: true })]);
    const card = slack.messages.slice(before).find((message) => message.channel === 'C0EXAMPLE')!;
    expect(card.ts).toBe(result.notifications[0]!.ts);
    expect(card.buttons).toEqual([]);
    expect(card.text).toContain('Rejected (no decision in time)');
  });
});
