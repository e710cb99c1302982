import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ParsedMail } from 'mailparser';
import type { ApprovalResult, RequestApprovalOptions } from '../workflows';
import { approvalsQuery } from '../protocol/definitions';
import { postJson, startHarness, type Harness } from './support/harness';
import { startMailServer, type TestMailServer } from './support/mail-server';
import { createTimeSkippingEnv, timeSkippingAvailable } from './support/time-skipping';
import { waitForCallbackUrl } from './support/wait-for-callback-url';
import type { auditedApproval, rollingApproval } from './workflows/audited-approval';
import type { notifiedCallback } from './workflows/callback-reach';

/**
 * Reminders, a warning before the deadline and escalation, over the hours they are meant for, on
 * Temporal's time-skipping test server: the worker (with the real notification activities), the
 * gateway and a real SMTP server are the real ones; only the clock jumps. When each mail was sent
 * is read from the workflow's history (workflow time), never from the wall clock.
 */

const HOUR = 60 * 60_000;
const available = timeSkippingAvailable();
if (!available) console.warn("approval-reach: skipped, since Temporal's time-skipping test server (its Java build) needs `java` and `mvn` on PATH.");
const describeWhenAvailable = available ? describe : describe.skip;

let env: TestWorkflowEnvironment;
let h: Harness;
let mail: TestMailServer;
beforeAll(async () => {
  if (!available) return;
  mail = await startMailServer();
  env = await createTimeSkippingEnv();
  h = await startHarness({
    temporal: { client: env.client, nativeConnection: env.nativeConnection },
    notifications: { mail: { smtpUrl: mail.url, from: 'approvals@example.test' }, webhookSecrets: new Map() },
  });
}, 10 * 60_000);
afterAll(async () => {
  await h?.close();
  await env?.teardown();
  await mail?.close();
});

/** A mailbox of this test's own, so tests never see each other's mail. */
const mailbox = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.test`;

/** The subjects of the mails `address` received. */
const subjectsTo = (address: string) => mail.mails.filter((each) => addressesOf(each).includes(address)).map((each) => each.subject);
const addressesOf = (each: ParsedMail): string[] => [each.to ?? []].flat().flatMap((to) => to.value.map((one) => one.address?.toLowerCase() ?? ''));

/**
 * When (workflow time, hours after the workflow started) each `sendApprovalMail` was scheduled,
 * with the kind it sent: what the history says the workflow did, once.
 */
async function mailsScheduled(handle: WorkflowHandle): Promise<Array<{ hours: number; kind: string; to: string[] }>> {
  const events = (await handle.fetchHistory()).events ?? [];
  const started = Number(events[0]!.eventTime!.seconds) * 1000;
  return events.flatMap((event) => {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== 'sendApprovalMail') return [];
    const payload = scheduled.input?.payloads?.[0]?.data;
    const input = JSON.parse(Buffer.from(payload!).toString()) as { kind: string; to: string[] };
    const at = Number(event.eventTime!.seconds) * 1000;
    return [{ hours: Math.round(((at - started) / HOUR) * 100) / 100, kind: input.kind, to: input.to }];
  });
}

async function start(options: RequestApprovalOptions): Promise<WorkflowHandle<typeof auditedApproval>> {
  const handle = await h.start<typeof auditedApproval>('auditedApproval', [options]);
  await waitForCallbackUrl(handle);
  return handle;
}

describeWhenAvailable('reminders, a deadline warning and escalation, on durable timers', () => {
  test('nobody answers: reminded at 1 h and 4 h, escalated at 6 h, warned at 7 h, each once, and the record keeps the escalation', async () => {
    const team = mailbox('team');
    const boss = mailbox('boss');
    const handle = await start({
      action: { title: 'Rotate the signing key of the payments API' },
      approvers: [{ group: 'payments-oncall' }],
      notify: [{ email: { to: [team] } }],
      remind: ['1h', '4h'],
      warnBefore: '1h',
      escalate: { after: '6h', to: { approvers: [{ group: 'payments-leads' }], notify: [{ email: { to: [boss] } }] } },
      timeout: '8h',
      signReceipt: false,
    });
    const result: ApprovalResult = await handle.result();
    expect(result).toMatchObject({ outcome: 'timed_out', decidedBy: 'timeout' });
    expect(result.record.escalations).toEqual([{ at: expect.any(String), approvers: [{ group: 'payments-leads' }] }]);
    expect(Date.parse(result.record.escalations![0]!.at) - Date.parse(result.record.requestedAt)).toBe(6 * HOUR);

    expect(await mailsScheduled(handle)).toEqual([
      { hours: 0, kind: 'request', to: [team] },
      { hours: 1, kind: 'reminder', to: [team] },
      { hours: 4, kind: 'reminder', to: [team] },
      { hours: 6, kind: 'escalation', to: [boss] },
      { hours: 7, kind: 'deadline-warning', to: [team] },
    ]);
    expect(subjectsTo(team).map((subject) => subject?.split(':')[0])).toEqual(['Approval needed', 'Reminder', 'Reminder', 'Deadline soon']);
    expect(subjectsTo(boss).map((subject) => subject?.split(':')[0])).toEqual(['Escalated']);
    expect(result.notifications.filter((report) => !report.sent)).toEqual([]);
  });

  test('an escalation adds its approvers from its time on: the approvals query lists them', async () => {
    const handle = await start({
      action: { title: 'Open the firewall for the audit' },
      approvers: [{ email: 'alice@example.com' }],
      escalate: { after: '2h', to: { approvers: [{ group: 'secops' }] } },
      timeout: '1d',
      signReceipt: false,
    });
    const [before] = await handle.query(approvalsQuery);
    expect(before!.approvers).toEqual([{ email: 'alice@example.com' }]);
    await env.sleep('3h');
    const [after] = await handle.query(approvalsQuery);
    expect(after!.approvers).toEqual([{ email: 'alice@example.com' }, { group: 'secops' }]);
    await handle.terminate('done');
  });

  test('a decision before the first reminder sends no reminder at all', async () => {
    const team = mailbox('team');
    const handle = await start({
      action: { title: 'Acknowledge the maintenance window' },
      allowLinkHolders: true,
      notify: [{ email: { to: [team] } }],
      remind: ['1h', '2h'],
      warnBefore: '30m',
      timeout: '4h',
      signReceipt: false,
    });
    await env.sleep('30m');
    expect((await handle.query(approvalsQuery))[0]!.status).toBe('pending');
    const voted = await postJson(await waitForCallbackUrl(handle), { decision: 'approve' });
    expect(voted.status).toBe(200);
    expect(await handle.result()).toMatchObject({ outcome: 'approved' });
    expect((await mailsScheduled(handle)).map((each) => each.kind)).toEqual(['request']);
  });

  test('continue-as-new carries what is still to come: the 2 h reminder is not sent again in the next run', async () => {
    const team = mailbox('team');
    const handle = await h.start<typeof rollingApproval>('rollingApproval', [
      { options: { action: { title: 'Scale the queue workers' }, approvers: [{ group: 'oncall' }], notify: [{ email: { to: [team] } }], remind: ['2h', '4h'], timeout: '5h', signReceipt: false } },
    ]);
    await waitForCallbackUrl(handle);
    await env.sleep('3h');
    await handle.signal('roll');
    const result = await h.client.workflow.getHandle<typeof rollingApproval>(handle.workflowId).result();
    expect(result).toMatchObject({ outcome: 'timed_out', run: 2 });
    expect(subjectsTo(team).map((subject) => subject?.split(':')[0])).toEqual(['Approval needed', 'Reminder', 'Reminder']);
  });

  test.each([
    ['a reminder at or after the deadline', { remind: ['8h'], timeout: '8h' }],
    ['reminders without notify channels', { remind: ['1h'], notify: undefined }],
    ['an escalation that names nobody', { escalate: { after: '1h', to: {} } }],
    ['a warning as long as the wait', { warnBefore: '2h', timeout: '2h' }],
  ])('%s is refused with INVALID_CALLBACK_OPTIONS before anything is minted', async (_name, extra) => {
    const handle = await h.start<typeof auditedApproval>('auditedApproval', [
      { action: { title: 'Bad reach' }, approvers: [{ group: 'oncall' }], notify: [{ email: { to: ['x@example.test'] } }], timeout: '4h', ...extra } as RequestApprovalOptions,
    ]);
    const failure = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toMatchObject({ type: 'INVALID_CALLBACK_OPTIONS' });
  });
});

describeWhenAvailable("a plain callback's reach, on the same durable timers", () => {
  test('nobody answers: reminded at 1 h, escalated to other channels at 5 h, warned at 7 h, each once, in a callback\'s words', async () => {
    const team = mailbox('team');
    const lead = mailbox('lead');
    const handle = await h.start<typeof notifiedCallback>('notifiedCallback', [
      {
        title: 'Send the signed NDA',
        notify: [{ email: { to: [team] } }],
        remind: ['1h'],
        warnBefore: '1h',
        escalate: { after: '5h', to: { notify: [{ email: { to: [lead] } }] } },
        timeout: '8h',
      },
    ]);
    const result = await handle.result();
    expect(result.status).toBe('timed_out');
    expect(await mailsScheduled(handle)).toEqual([
      { hours: 0, kind: 'request', to: [team] },
      { hours: 1, kind: 'reminder', to: [team] },
      { hours: 5, kind: 'escalation', to: [lead] },
      { hours: 7, kind: 'deadline-warning', to: [team] },
    ]);
    expect(subjectsTo(team)).toEqual(['Reply needed: Send the signed NDA', 'Reminder: Send the signed NDA', 'Deadline soon: Send the signed NDA']);
    expect(subjectsTo(lead)).toEqual(['Escalated: Send the signed NDA']);
    expect(result.notifications!.map((report) => [report.kind, report.sent, report.withdrawn])).toEqual([
      ['request', true, true],
      ['reminder', true, true],
      ['escalation', true, true],
      ['deadline-warning', true, true],
    ]);
  });
});
