import type { ActivityOptions } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { randomBytes, randomUUID } from 'node:crypto';
import type { ParsedMail } from 'mailparser';
import { slackSignatureHeaders, startSlackWebApi, type SlackWebApiStandIn } from '../examples/slack-approval/slack-stand-in';
import { reissueCallback } from '../client';
import { callbacksQuery } from '../protocol/definitions';
import { notifyWebhookSecrets } from '../config/notification-config';
import type { CreateCallbackOptions } from '../workflows';
import type { createWithOptions, notifiedCallback, rollingNotifiedCallback } from './workflows';
import { rollCallbackSignal } from './workflows/callback-reach';
import { postJson, startHarness, type Harness } from './support/harness';
import { startMailServer, type TestMailServer } from './support/mail-server';
import { startNotifyReceiver, until, type NotifyReceiver } from './support/notify-receiver';
import { waitForCallbackUrl } from './support/wait-for-callback-url';

// Telling people about a plain callback (createCallback's notify, remind, escalate), nothing mocked
// but Slack itself: a real worker mails a real SMTP server, posts cards to a stand-in Slack Web API
// on a real port (through @slack/web-api), and POSTs signed webhooks that a receiver verifies with
// the standardwebhooks library; the answer goes through the real gateway. Short real times
// (seconds) on the dev server; the tests wait for what they expect, never for a time.

const BOT_TOKEN = 'xoxb-callback-reach-test-bot-token';
const SIGNING_SECRET = 'callback-reach-test-signing-secret';
const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
/** Short retries, so a fault ends in a report within seconds. */
const QUICK_RETRY: ActivityOptions = { retry: { maximumAttempts: 2, initialInterval: '200ms', maximumInterval: '1s' } };

let mail: TestMailServer;
let slack: SlackWebApiStandIn;
let receiver: NotifyReceiver;
let h: Harness;

beforeAll(async () => {
  [mail, slack, receiver] = await Promise.all([startMailServer(), startSlackWebApi({ token: BOT_TOKEN }), startNotifyReceiver(WEBHOOK_SECRET, '/hooks/callbacks')]);
  h = await startHarness({
    notifications: {
      mail: { smtpUrl: mail.url, from: 'Callbacks <callbacks@example.test>' },
      slack: { token: BOT_TOKEN, apiUrl: slack.url },
      webhookSecrets: notifyWebhookSecrets(`ops=${WEBHOOK_SECRET}`),
    },
    slack: { signingSecrets: [new Uint8Array(Buffer.from(SIGNING_SECRET))], teamIds: ['T1'] },
  });
}, 60_000);
afterAll(async () => {
  await h?.close();
  await Promise.all([mail?.close(), slack?.close(), receiver?.close()]);
});

/** A mailbox of this test's own, so tests never see each other's mail. */
const mailbox = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.test`;
const addressesOf = (each: ParsedMail): string[] => [each.to ?? []].flat().flatMap((to) => to.value.map((one) => one.address?.toLowerCase() ?? ''));
const mailsTo = (address: string) => mail.mails.filter((each) => addressesOf(each).includes(address));
const eventsFor = (callbackId: string) => receiver.events.filter(({ event }) => 'callbackId' in event && event.callbackId === callbackId);

describe('a callback that tells people where to answer, reminds them, and withdraws once answered', () => {
  test('mail, Slack card and signed webhook; a reminder; the answer through the gateway resumes the workflow, and every notification is withdrawn', async () => {
    const to = mailbox('legal');
    const channel = `C0${randomUUID().slice(0, 6).toUpperCase()}`;
    const handle = await h.start<typeof notifiedCallback>('notifiedCallback', [
      {
        title: 'Upload the signed <contract> for ACME',
        description: 'Countersigned by both parties & scanned.',
        timeout: '10m',
        notify: [{ email: { to: [to] } }, { slack: { channel } }, { webhook: { url: receiver.url, sender: 'ops' } }],
        remind: ['2s'],
        notifyActivityOptions: QUICK_RETRY,
      },
    ]);
    const url = await waitForCallbackUrl(handle);

    // The request mail: a callback's wording, not an approval's; the link is the callback's URL; the HTML escapes the title.
    const request = await mail.mailTo(to);
    expect(request.subject).toBe('Reply needed: Upload the signed <contract> for ACME');
    expect(request.text).toContain(`Answer here: ${url}`);
    expect(request.text).toContain('Countersigned by both parties & scanned.');
    expect(request.text).not.toMatch(/approv/i);
    expect(request.html).toContain('Upload the signed &lt;contract&gt; for ACME');
    expect(request.html).not.toContain('<contract>');

    // The reminder arrives while nobody has answered.
    await until(() => mailsTo(to).length >= 2, 'the reminder mail');
    expect(mailsTo(to)[1]!.subject).toBe('Reminder: Upload the signed <contract> for ACME');

    // Two cards (the request and the reminder), each with one Open link button to the URL and no vote buttons.
    await until(() => slack.messages.filter((message) => message.channel === channel).length === 2, 'the request and reminder cards');
    const cards = slack.messages.filter((message) => message.channel === channel);
    for (const card of cards) {
      expect(card.text).toBe('Reply needed: Upload the signed <contract> for ACME');
      expect(card.buttons).toEqual([{ actionId: 'durable_callbacks_open', value: '' }]);
      expect(JSON.stringify(card.blocks)).toContain(JSON.stringify(url));
    }
    await until(() => receiver.events.some(({ event }) => event.type === 'callback.reminder' && event.url === url), 'the reminder webhook');

    // The answer, through the real gateway.
    const answered = await postJson(url, { contract: 'ACME-2026-11.pdf' });
    expect(answered.status).toBeLessThan(300);

    const result = await handle.result();
    expect(result).toMatchObject({ status: 'received', data: { contract: 'ACME-2026-11.pdf' } });
    const callbackId = result.status === 'received' ? result.callbackId : '';

    // Every notification was sent and withdrawn: the request and the reminder, on each channel.
    const reports = result.notifications!;
    expect(reports.map((report) => [report.channel, report.kind])).toEqual([
      ['email', 'request'],
      ['slack', 'request'],
      ['webhook', 'request'],
      ['email', 'reminder'],
      ['slack', 'reminder'],
      ['webhook', 'reminder'],
    ]);
    for (const report of reports) expect(report).toMatchObject({ sent: true, withdrawn: true });
    for (const report of reports) expect(report.error ?? report.withdrawError).toBeUndefined();

    // Both cards rewritten in place with "Received" and no button left.
    for (const card of cards) {
      const update = slack.updates.find((each) => each.ts === card.ts && each.channel === channel)!;
      expect(update.text).toContain('Received');
      expect(update.blocks.some((block) => block.type === 'actions')).toBe(false);
      expect(JSON.stringify(update.blocks)).not.toContain(url);
    }

    // The webhook heard the request, the reminder and one end, each signed, each under its own webhook-id.
    const events = eventsFor(callbackId);
    expect(events.map(({ event }) => event.type)).toEqual(['callback.requested', 'callback.reminder', 'callback.ended']);
    for (const { verified, event } of events) {
      expect(verified).toBe(true);
      expect(event).toMatchObject({ url, workflowId: handle.workflowId, callbackId, title: 'Upload the signed <contract> for ACME', deadline: expect.any(String) });
    }
    expect(events[2]!.event).toMatchObject({ status: 'received' });
    expect(new Set(events.map((each) => each.id)).size).toBe(3);
    // Secrets stay out of what the workflow recorded.
    expect(JSON.stringify(await handle.fetchHistory())).not.toContain(BOT_TOKEN);
  });
});

describe('a callback nobody answers escalates, then times out', () => {
  test('the escalation mails a second mailbox and posts a card; at the deadline the card says "Timed out" and the result reports each withdrawn', async () => {
    const first = mailbox('first');
    const second = mailbox('second');
    const channel = `C0${randomUUID().slice(0, 6).toUpperCase()}`;
    const handle = await h.start<typeof notifiedCallback>('notifiedCallback', [
      {
        label: 'vendor-quote',
        timeout: '4s',
        notify: [{ email: { to: [first] } }],
        escalate: { after: '1s', to: { notify: [{ email: { to: [second] } }, { slack: { channel } }] } },
        notifyActivityOptions: QUICK_RETRY,
      },
    ]);
    const result = await handle.result();
    expect(result.status).toBe('timed_out');
    expect(mailsTo(first).map((each) => each.subject)).toEqual(['Reply needed: vendor-quote']);
    expect(mailsTo(second).map((each) => each.subject)).toEqual(['Escalated: vendor-quote']);
    expect(result.notifications!.map((report) => [report.channel, report.kind, report.sent, report.withdrawn])).toEqual([
      ['email', 'request', true, true],
      ['email', 'escalation', true, true],
      ['slack', 'escalation', true, true],
    ]);
    const card = slack.messages.find((message) => message.channel === channel)!;
    const update = slack.updates.find((each) => each.ts === card.ts && each.channel === channel)!;
    expect(update.text).toBe('vendor-quote: Timed out');
    expect(update.blocks.some((block) => block.type === 'actions')).toBe(false);
  });

  test('a callback without notify has no notifications on its result', async () => {
    const handle = await h.start<typeof notifiedCallback>('notifiedCallback', [{ timeout: '1s' }]);
    const result = await handle.result();
    expect(result.status).toBe('timed_out');
    expect(result).not.toHaveProperty('notifications');
  });
});

describe('continue-as-new carries what is still to come', () => {
  test('a restored callback sends the reminder the first run had not reached, and not the request again', async () => {
    const to = mailbox('rolled');
    const handle = await h.start<typeof rollingNotifiedCallback>('rollingNotifiedCallback', [
      { options: { title: 'Confirm the delivery address', timeout: '10m', notify: [{ email: { to: [to] } }], remind: ['6s'], notifyActivityOptions: QUICK_RETRY } },
    ]);
    await mail.mailTo(to);
    await handle.signal(rollCallbackSignal);
    await until(() => mailsTo(to).length >= 2, 'the reminder from the next run');
    const url = await waitForCallbackUrl(h.client.workflow.getHandle(handle.workflowId));
    expect((await postJson(url, { address: 'Dock 4' })).status).toBeLessThan(300);
    const result = await h.client.workflow.getHandle<typeof rollingNotifiedCallback>(handle.workflowId).result();
    expect(result).toMatchObject({ status: 'received', run: 2, data: { address: 'Dock 4' } });
    expect(mailsTo(to).map((each) => each.subject)).toEqual(['Reply needed: Confirm the delivery address', 'Reminder: Confirm the delivery address']);
    expect(result.notifications).toEqual([expect.objectContaining({ channel: 'email', kind: 'reminder', sent: true, withdrawn: true })]);
  });
});

describe("a callback's Slack card follows its link", () => {
  test("an operator's reissue rewrites the card's Open button with the new URL; the answer through it ends with \"Received\"", async () => {
    const channel = `C0${randomUUID().slice(0, 6).toUpperCase()}`;
    const handle = await h.start<typeof notifiedCallback>('notifiedCallback', [{ title: 'Approve the PO', timeout: '10m', notify: [{ slack: { channel } }], notifyActivityOptions: QUICK_RETRY }]);
    const url = await waitForCallbackUrl(handle);
    await until(() => slack.messages.some((message) => message.channel === channel), 'the card');
    const card = slack.messages.find((message) => message.channel === channel)!;
    const [callback] = await handle.query(callbacksQuery);

    const reissued = await reissueCallback(h.client, handle.workflowId, callback!.id);
    await until(() => slack.updates.some((update) => update.ts === card.ts), 'the card rewritten');
    const rewritten = slack.updates.find((update) => update.ts === card.ts)!;
    expect(JSON.stringify(rewritten.blocks)).toContain(JSON.stringify(reissued.url));
    expect(JSON.stringify(rewritten.blocks)).not.toContain(JSON.stringify(url));

    expect((await postJson(reissued.url, { po: 'PO-77' })).status).toBeLessThan(300);
    const result = await handle.result();
    expect(result.notifications).toEqual([expect.objectContaining({ channel: 'slack', sent: true, withdrawn: true, ts: card.ts })]);
    expect(result.notifications![0]!.refreshError).toBeUndefined();
    expect(slack.updates.filter((update) => update.ts === card.ts).map((update) => update.text)).toEqual(['Reply needed: Approve the PO', 'Approve the PO: Received']);
  });

  test("a click on the card's Open link (which Slack reports too) is acknowledged, and is no vote", async () => {
    /** A signed block_actions click on a button with `actionId` (and no value: a link button has none). */
    const click = (actionId: string) => {
      const payload = { type: 'block_actions', team: { id: 'T1' }, user: { id: 'U1', team_id: 'T1' }, actions: [{ type: 'button', action_id: actionId, url: 'https://example.test/' }] };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      return fetch(`${h.gatewayUrl}/approvals/slack`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignatureHeaders(SIGNING_SECRET, body) }, body });
    };
    const refusals = () => h.logLines.filter((line) => line.includes('slack vote refused')).length;
    const before = refusals();
    expect((await click('durable_callbacks_open')).status).toBe(200);
    // Then another button without a value: it is taken for a vote, and refused as not ours. Only that one is.
    expect((await click('some_other_button')).status).toBe(200);
    await until(() => refusals() > before, 'the refusal of a button that is not ours');
    expect(refusals()).toBe(before + 1);
  });
});

describe('bad reach options are refused before anything is minted', () => {
  test.each<[string, CreateCallbackOptions]>([
    ['approvers in an escalation', { timeout: '1h', escalate: { after: '10m', to: { approvers: [{ group: 'oncall' }], notify: [{ email: { to: ['a@example.test'] } }] } } as unknown as CreateCallbackOptions['escalate'] }],
    ['a reminder without notify', { timeout: '1h', remind: ['10m'] }],
    ['a reminder past the deadline', { timeout: '1h', notify: [{ email: { to: ['a@example.test'] } }], remind: ['2h'] }],
  ])('%s: INVALID_CALLBACK_OPTIONS', async (_name, options) => {
    const handle = await h.start<typeof createWithOptions>('createWithOptions', [options]);
    const failure = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toMatchObject({ type: 'INVALID_CALLBACK_OPTIONS' });
  });
});

