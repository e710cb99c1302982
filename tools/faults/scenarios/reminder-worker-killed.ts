import { randomBytes } from 'node:crypto';
import type { ParsedMail } from 'mailparser';
import type { ApprovalResult } from '../../../workflows';
import { sleep } from '../../../test/support/async';
import { startMailServer } from '../../../test/support/mail-server';
import { mapLimit } from '../../../test/support/pool';
import { describeExit } from '../../../test/support/processes';
import { waitForCallbackUrl } from '../../../test/support/wait-for-callback-url';
import { REMINDER_AFTER_SECONDS, type reminderDrill } from '../support/approval-workflows';
import { defineScenario } from '../support/scenario';
import { errorText } from '../support/verify';

/** Approvals in the drill, each mailed and reminded once. */
const APPROVALS = 40;
/** The worker is SIGKILLed this long before the first reminders are due, and a new one starts this long after the last are. */
const MARGIN_MS = 4_000;
/** How long the drill keeps listening after every reminder arrived, for one sent twice. */
const SETTLE_MS = 10_000;

const addressesOf = (mail: ParsedMail): string[] => [mail.to ?? []].flat().flatMap((to) => to.value.map((each) => each.address?.toLowerCase() ?? ''));
const isReminder = (mail: ParsedMail) => mail.subject?.startsWith('Reminder:') === true;

/**
 * Issue #19's reminder drill: a worker killed while reminder timers come due. Forty approvals are
 * mailed (a real SMTP server) and each is to be reminded 30 s later. The worker is SIGKILLed just
 * before the first reminder is due, and a new one starts once the last is overdue: every timer
 * fired with no worker to run it. Each approval must then be reminded exactly once (none lost,
 * none sent twice), and still decide when a link holder approves.
 */
export const reminderWorkerKilled = defineScenario({
  name: 'reminder-worker-killed',
  summary: 'the worker SIGKILLed while approvals\u2019 reminder timers came due: after a restart each reminder is mailed exactly once',
  setup: { gateways: ['gateway'], workers: [] },
  async run(ctx, { gateways: [gateway] }) {
    const mail = await startMailServer();
    try {
      const worker = await ctx.startWorker({ name: 'worker-1', workflows: 'approvals', env: { SMTP_URL: mail.url, MAIL_FROM: 'drill@example.test' } });
      const run = randomBytes(4).toString('hex');
      const to = (index: number) => `drill-${run}-${index}@example.test`;

      ctx.step(`starting ${APPROVALS} reminderDrill workflows (mailed now, reminded after ${REMINDER_AFTER_SECONDS} s)`);
      const firstStart = Date.now();
      const approvals = await mapLimit(Array.from({ length: APPROVALS }, (_, index) => index), 10, async (index) => {
        const handle = await ctx.client.workflow.start<typeof reminderDrill>('reminderDrill', { taskQueue: ctx.taskQueue, workflowId: `${ctx.name}-${run}-${index}`, args: [index, to(index)] });
        return { index, handle, url: await waitForCallbackUrl(handle, { timeoutMs: 120_000 }) };
      });
      const lastStart = Date.now();
      await Promise.all(approvals.map(({ index }) => mail.mailTo(to(index), 60_000)));
      ctx.step(`all ${APPROVALS} request mails arrived`);

      const killAt = firstStart + REMINDER_AFTER_SECONDS * 1000 - MARGIN_MS;
      ctx.check(Date.now() < killAt, 'the requests were mailed before the first reminder was due');
      await sleep(Math.max(0, killAt - Date.now()));
      ctx.step('SIGKILL to worker-1 just before the reminders come due');
      ctx.step(`worker-1 gone (${describeExit(await worker.kill())})`);
      const remindedBeforeKill = mail.mails.filter(isReminder).length;
      await sleep(Math.max(0, lastStart + REMINDER_AFTER_SECONDS * 1000 + MARGIN_MS - Date.now()));
      const remindedWhileDown = mail.mails.filter(isReminder).length - remindedBeforeKill;
      ctx.check(remindedWhileDown === 0, `every reminder is overdue and none was sent while no worker ran (${remindedBeforeKill} before the kill)`);
      ctx.step('starting worker-2');
      await ctx.startWorker({ name: 'worker-2', workflows: 'approvals', env: { SMTP_URL: mail.url, MAIL_FROM: 'drill@example.test' } });

      const remindersTo = (index: number) => mail.mails.filter((each) => isReminder(each) && addressesOf(each).includes(to(index))).length;
      const deadline = Date.now() + 120_000;
      while (approvals.some(({ index }) => remindersTo(index) === 0) && Date.now() < deadline) await sleep(500);
      ctx.step(`reminders arrived for ${approvals.filter(({ index }) => remindersTo(index) > 0).length}/${APPROVALS}; listening ${SETTLE_MS / 1000} s more for any sent twice`);
      await sleep(SETTLE_MS);

      ctx.step('a link holder approves each, ending the drill');
      const results = await mapLimit(approvals, 10, async ({ handle, url }) => {
        try {
          const voted = await fetch(url.replace(/^https?:\/\/[^/]+/, gateway.url), { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{"decision":"approve"}', signal: AbortSignal.timeout(30_000) });
          await voted.arrayBuffer();
          return await handle.result();
        } catch (err) {
          return { error: errorText(err) } as unknown as ApprovalResult;
        }
      });
      const counts = approvals.map(({ index }) => remindersTo(index));
      const once = counts.filter((count) => count === 1).length;
      const twice = counts.filter((count) => count > 1).length;
      const approved = results.filter((result) => result.outcome === 'approved').length;
      ctx.check(once === APPROVALS, `every approval was reminded exactly once (${once}/${APPROVALS}; ${twice} more than once)`);
      ctx.check(approved === APPROVALS, `every approval then decided (${approved}/${APPROVALS})`);
      const reportedOnce = results.filter((result) => result.notifications?.filter((report) => report.kind === 'reminder' && report.sent).length === 1).length;
      ctx.check(reportedOnce === approved, `each result reports its one reminder as sent (${reportedOnce}/${approved})`);
      return { sent: APPROVALS, accepted: approved, resumed: once, lost: counts.filter((count) => count === 0).length, appliedTwice: twice };
    } finally {
      await mail.close();
    }
  },
});
