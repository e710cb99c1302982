import type { ActivityOptions } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { reassignApproval } from '../client';
import { notifyWebhookSecrets } from '../config/notification-config';
import { approvalsQuery, callbackUrlQuery } from '../protocol/definitions';
import type { ApprovalReport, NotificationReport } from '../workflows';
import type { Harness } from './support/harness';
import { startSignInHarness } from './support/sign-in-harness';
import { startMailServer, type TestMailServer } from './support/mail-server';
import { hiddenField, signInAs, TestBrowser, type DevOidcProvider } from './support/oidc';
import { startNotifyReceiver, until, type NotifyReceiver } from './support/notify-receiver';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import { WORKFLOW_BUNDLE_PATH } from './support/test-env';
import type { auditedApproval } from './workflows';
import { cancelApprovalSignal, type AuditedApprovalInput } from './workflows/audited-approval';

// Telling the person a request was handed to, nothing mocked: a real worker with SMTP settings
// mails a real SMTP server (parsed with mailparser), and POSTs signed webhooks that a receiver
// checks with the standardwebhooks library. The hand-off goes through the real gateway as the
// approval page posts it; the delegate follows the mailed link, signs in at the development
// OpenID Connect provider and decides.

/**
 * A history of an approval handed on before hand-offs were told (recorded with the hook unset, as
 * workflows of that version ran): no send for the hand-off, no patch marker. The code must replay
 * it unchanged. Regenerate with `DC_RECORD_REPLAY_FIXTURE=1` only on purpose.
 */
const REPLAY_FIXTURE = path.join(__dirname, 'fixtures', 'histories', 'approval-delegated-untold.binpb');
const TELL_PATCH = 'durable-callbacks/approval/tell-delegates';

const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
/** Short retries, so a fault ends in a report within seconds. */
const QUICK_RETRY: ActivityOptions = { retry: { maximumAttempts: 2, initialInterval: '200ms', maximumInterval: '1s' } };

const reportsOf = (reports: NotificationReport[], kind: NotificationReport['kind']) => reports.filter((report) => report.kind === kind);
const linkIn = (text: string | undefined) => /(https?:\/\/\S+\/callbacks\/\S+)/.exec(text ?? '')?.[1];

let provider: DevOidcProvider;
let mail: TestMailServer;
let receiver: NotifyReceiver;
let h: Harness;
const handles: WorkflowHandle[] = [];

beforeAll(async () => {
  [mail, receiver] = await Promise.all([startMailServer(), startNotifyReceiver(WEBHOOK_SECRET)]);
  ({ h, provider } = await startSignInHarness({
    notifications: { mail: { smtpUrl: mail.url, from: 'Approvals <approvals@example.test>' }, webhookSecrets: notifyWebhookSecrets(`ops=${WEBHOOK_SECRET}`) },
  }));
}, 60_000);
afterAll(async () => {
  await Promise.all(handles.map((handle) => handle.terminate().catch(() => undefined)));
  await h?.close();
  await Promise.all([provider?.close(), mail?.close(), receiver?.close()]);
});

/** Starts an `auditedApproval` that notifies grace by mail and the ops webhook, and returns it once minted. */
async function requestApproval(input: Omit<AuditedApprovalInput, 'notify'>): Promise<{ handle: WorkflowHandle<typeof auditedApproval>; url: string; report: ApprovalReport }> {
  const handle = await h.start<typeof auditedApproval>('auditedApproval', [
    { timeout: '10m', notify: [{ email: { to: ['grace@example.com'] } }, { webhook: { url: receiver.url, sender: 'ops' } }], notifyActivityOptions: QUICK_RETRY, ...input },
  ]);
  handles.push(handle);
  await waitForCallbackUrl(handle);
  const url = (await handle.query(callbackUrlQuery))!;
  const [report] = await handle.query(approvalsQuery);
  return { handle, url, report: report! };
}

/** A browser signed in as `login` on `url`'s approval page, and that page's CSRF token. */
async function onApprovalPage(url: string, login: string): Promise<{ browser: TestBrowser; csrf: string }> {
  const browser = new TestBrowser();
  const back = await signInAs(browser, url, login);
  expect(back.response?.status).toBe(200);
  return { browser, csrf: hiddenField(await back.response!.text(), 'csrf')! };
}

const eventsOf = (workflowId: string) => receiver.events.filter((each) => each.event.workflowId === workflowId);

describe('the person a request is handed to is told', () => {
  test('grace delegates to heidi on the page: heidi alone is mailed the approval link, the webhook hears approval.delegated, and heidi decides through the mailed link', async () => {
    const title = `Open port 8443 to the partner ${randomBytes(4).toString('hex')}`;
    const { handle, url, report } = await requestApproval({ action: { title, details: { ticket: 'OPS-31' } }, approvers: [{ group: 'delegation-desk' }], initiator: { email: 'carol@example.com' } });
    const grace = await onApprovalPage(url, 'grace');
    const handOff = await grace.browser.postForm(
      url,
      { decision: 'delegate', delegateTo: 'heidi@example.com', comment: 'Out this week.', csrf: grace.csrf, actionDigest: report.actionDigest },
      { accept: 'application/json' },
    );
    expect(handOff.status).toBe(200);

    // The delegate's mail: to heidi only, naming the action, who handed it on, the comment and the approval's URL.
    const told = await mail.mailTo('heidi@example.com');
    expect(told.subject).toBe(`Handed to you: ${title}`);
    expect([told.to].flat().flatMap((to) => to!.value.map((each) => each.address))).toEqual(['heidi@example.com']);
    expect(told.text).toContain('grace@example.com');
    expect(told.text).toContain('Out this week.');
    expect(linkIn(told.text)).toBe(url);

    // The webhook heard the hand-off, signed.
    await until(() => eventsOf(handle.workflowId).some((each) => each.event.type === 'approval.delegated'), 'approval.delegated');
    const delegated = eventsOf(handle.workflowId).find((each) => each.event.type === 'approval.delegated')!;
    expect(delegated).toMatchObject({
      verified: true,
      event: { type: 'approval.delegated', url, from: { subject: 'grace', email: 'grace@example.com' }, to: { email: 'heidi@example.com' }, comment: 'Out this week.' },
    });

    // heidi follows the mailed link, signs in and approves on grace's behalf.
    const heidi = await onApprovalPage(linkIn(told.text)!, 'heidi');
    const vote = await heidi.browser.postForm(url, { decision: 'approve', csrf: heidi.csrf, actionDigest: report.actionDigest }, { accept: 'application/json' });
    expect(vote.status).toBe(200);
    const result = await handle.result();
    expect(result.outcome).toBe('approved');
    expect(result.votes[0]).toMatchObject({ approver: { subject: 'heidi' }, onBehalfOf: { subject: 'grace' } });
    const delegations = reportsOf(result.notifications, 'delegation');
    expect(delegations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ channel: 'email', target: 'heidi@example.com', sent: true }),
        expect.objectContaining({ channel: 'webhook', target: receiver.url, sent: true }),
      ]),
    );
    expect(delegations).toHaveLength(2);
    // grace was asked once, and told nothing of her own hand-off.
    expect(mail.mails.filter((each) => each.subject?.includes(title) && [each.to].flat().some((to) => to?.text.includes('grace@example.com')))).toHaveLength(1);
  });

  test("an operator reassigns it to x@example.com: x is mailed with the operator's reason, the webhook hears approval.reassigned", async () => {
    const title = `Rotate the partner key ${randomBytes(4).toString('hex')}`;
    const { handle, report } = await requestApproval({ action: { title }, approvers: [{ email: 'grace@example.com' }], signReceipt: false, cancelOnRelease: true });
    await reassignApproval(h.client, handle.workflowId, { callbackId: report.callbackId, approvers: [{ email: 'x@example.com' }, { group: 'change-board' }], reason: 'Grace is on leave' });

    const told = await mail.mailTo('x@example.com');
    expect(told.subject).toBe(`Assigned to you: ${title}`);
    expect(told.text).toContain('Grace is on leave');
    expect(linkIn(told.text)).toBe((await handle.query(callbackUrlQuery))!);
    await until(() => eventsOf(handle.workflowId).some((each) => each.event.type === 'approval.reassigned'), 'approval.reassigned');
    expect(eventsOf(handle.workflowId).find((each) => each.event.type === 'approval.reassigned')).toMatchObject({
      verified: true,
      event: { approvers: [{ email: 'x@example.com' }, { group: 'change-board' }], reason: 'Grace is on leave' },
    });

    await handle.signal(cancelApprovalSignal);
    const result = await handle.result();
    expect(reportsOf(result.notifications, 'reassignment')).toEqual([
      expect.objectContaining({ channel: 'email', target: 'x@example.com', sent: true }),
      expect.objectContaining({ channel: 'webhook', target: receiver.url, sent: true }),
    ]);
  });

  test('a history recorded before hand-offs were told replays unchanged, and so does one that told them', async () => {
    const { handle, url, report } = await requestApproval({ action: { title: 'Replayed hand-off' }, approvers: [{ group: 'delegation-desk' }], signReceipt: false });
    const grace = await onApprovalPage(url, 'grace');
    const handOff = await grace.browser.postForm(url, { decision: 'delegate', delegateTo: 'heidi@example.com', csrf: grace.csrf, actionDigest: report.actionDigest }, { accept: 'application/json' });
    expect(handOff.status).toBe(200);
    const heidi = await onApprovalPage(url, 'heidi');
    expect((await heidi.browser.postForm(url, { decision: 'approve', csrf: heidi.csrf, actionDigest: report.actionDigest }, { accept: 'application/json' })).status).toBe(200);
    await handle.result();
    const history = await handle.fetchHistory();
    if (process.env.DC_RECORD_REPLAY_FIXTURE) await fs.writeFile(REPLAY_FIXTURE, temporal.api.history.v1.History.encode(history).finish());
    const fixture = await fs.readFile(REPLAY_FIXTURE);
    // The fixture handed on without telling anyone; this run told heidi under the patch.
    expect([fixture.includes('heidi@example.com'), fixture.includes(TELL_PATCH)]).toEqual([true, false]);
    expect(Buffer.from(temporal.api.history.v1.History.encode(history).finish()).includes(TELL_PATCH)).toBe(true);
    for (const recorded of [history, temporal.api.history.v1.History.decode(fixture)]) {
      await Worker.runReplayHistory({ workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH }, replayName: 'approval handed on' }, recorded);
    }
  });
});
