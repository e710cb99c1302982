import { callbackMailContent, LINK_IS_A_SECRET } from '../activities/callback-mail-content';
import { createNotificationActivities } from '../activities/notification-activities';
import { planCallbackReach } from '../workflows/callback-reach';
import { callbackOutcomeLine, slackCallbackBlocks, slackCallbackOutcomeBlocks, type CallbackReachOptions } from '../workflows';

// The pure pieces of a plain callback's reach: the plan and its refusals (before anything is
// minted), the mail a callback sends, and its Slack card. No server needed.

const HOUR = 60 * 60_000;
const MAIL = [{ email: { to: ['legal@example.com'] } }];

/** The failure type `plan` throws, or undefined when it plans. */
function refusalOf(options: CallbackReachOptions, deadlineMs = 8 * HOUR): string | undefined {
  try {
    planCallbackReach(options, 0, deadlineMs);
    return undefined;
  } catch (err) {
    return (err as { type?: string }).type;
  }
}

describe("a callback's reach plan", () => {
  test('reminders, a warning and escalations, in time order, with no approvers', () => {
    const reach = planCallbackReach(
      { notify: MAIL, remind: ['1h', '4h'], warnBefore: '1h', escalate: { after: '6h', to: { notify: [{ slack: { channel: 'C0LEGAL' } }] } } },
      0,
      8 * HOUR,
    );
    expect(reach).toEqual({
      notify: MAIL,
      plan: {
        done: 0,
        steps: [
          { at: 1 * HOUR, kind: 'reminder' },
          { at: 4 * HOUR, kind: 'reminder' },
          { at: 6 * HOUR, kind: 'escalation', approvers: [], notify: [{ slack: { channel: 'C0LEGAL' } }] },
          { at: 7 * HOUR, kind: 'deadline-warning' },
        ],
      },
    });
  });

  test('a callback that notifies nobody has no reach; notify alone has no plan', () => {
    expect(planCallbackReach({}, 0, HOUR)).toBeUndefined();
    expect(planCallbackReach({ notify: MAIL }, 0, HOUR)).toEqual({ notify: MAIL });
  });

  test.each<[string, CallbackReachOptions]>([
    ['approvers in an escalation (they belong to requestApproval)', { escalate: { after: '1h', to: { approvers: [{ group: 'oncall' }], notify: MAIL } } as unknown as CallbackReachOptions['escalate'] }],
    ['a reminder without notify', { remind: ['1h'] }],
    ['a warning without notify', { warnBefore: '1h' }],
    ['a reminder at the deadline', { notify: MAIL, remind: ['8h'] }],
    ['a reminder past the deadline', { notify: MAIL, remind: ['9h'] }],
    ['an escalation past the deadline', { escalate: { after: '9h', to: { notify: MAIL } } }],
    ['a warning as long as the wait', { notify: MAIL, warnBefore: '8h' }],
    ['an escalation that tells nobody', { escalate: { after: '1h', to: { notify: [] } } }],
    ['a malformed notify channel', { notify: [{ email: { to: ['not-an-address'] } }] }],
    ['a malformed escalation channel', { escalate: { after: '1h', to: { notify: [{ pager: { id: 'x' } }] } } as unknown as CallbackReachOptions['escalate'] }],
    ['remind that is not a list', { notify: MAIL, remind: '1h' as unknown as CallbackReachOptions['remind'] }],
  ])('%s is INVALID_CALLBACK_OPTIONS', (_name, options) => {
    expect(refusalOf(options)).toBe('INVALID_CALLBACK_OPTIONS');
  });
});

const NOTICE = {
  url: 'https://callbacks.example.com/callbacks/eyJ.token.sig',
  title: 'Upload the <signed> contract & "annex"',
  description: "Bob's <script>alert(1)</script> note",
  deadline: '2026-12-08T10:00:00.000Z',
};

describe('the callback mail', () => {
  test('a callback wording, not an approval one: names what is asked, the deadline and the URL, and escapes every value in the HTML', () => {
    const { subject, text, html } = callbackMailContent({ kind: 'request', callback: NOTICE });
    expect(subject).toBe('Reply needed: Upload the <signed> contract & "annex"');
    for (const part of [NOTICE.title, NOTICE.description, NOTICE.deadline, NOTICE.url, LINK_IS_A_SECRET]) expect(text).toContain(part);
    expect(text).not.toMatch(/approv/i);
    expect(html).toContain('Upload the &lt;signed&gt; contract &amp; &quot;annex&quot;');
    expect(html).toContain('Bob&#39;s &lt;script&gt;alert(1)&lt;/script&gt; note');
    expect(html).not.toContain('<script>');
    expect(html).toContain(`<a href="${NOTICE.url}">`);
  });

  test.each([
    ['reminder', 'Reminder: Two lines'],
    ['escalation', 'Escalated: Two lines'],
    ['deadline-warning', 'Deadline soon: Two lines'],
  ] as const)('a %s says so in its subject, on one line', (kind, subject) => {
    expect(callbackMailContent({ kind, callback: { ...NOTICE, title: 'Two\nlines' } }).subject).toBe(subject);
  });

  test('the one mail activity takes a callback notice: on a worker without mail settings it fails, not retried, naming what to set', async () => {
    const activities = createNotificationActivities({ webhookSecrets: new Map() });
    await expect(activities.sendApprovalMail({ to: ['a@example.com'], kind: 'request', callback: NOTICE })).rejects.toMatchObject({
      type: 'MAIL_NOT_CONFIGURED',
      nonRetryable: true,
      message: expect.stringContaining('SMTP_URL'),
    });
  });
});

describe("the callback's Slack card", () => {
  test('the title and description escaped, the deadline, and one Open link button to the URL (no vote buttons)', () => {
    const blocks = slackCallbackBlocks(NOTICE);
    expect(JSON.stringify(blocks)).toContain('Upload the &lt;signed&gt; contract &amp; \\"annex\\"');
    expect(JSON.stringify(blocks)).toContain(NOTICE.deadline);
    const actions = blocks.filter((block) => block.type === 'actions');
    expect(actions).toEqual([{ type: 'actions', elements: [{ type: 'button', action_id: 'durable_callbacks_open', text: { type: 'plain_text', text: 'Open' }, url: NOTICE.url }] }]);
  });

  test('a URL too long for a Slack button is INVALID_CALLBACK_OPTIONS', () => {
    expect(() => slackCallbackBlocks({ ...NOTICE, url: `https://x.example/${'a'.repeat(3000)}` })).toThrow(expect.objectContaining({ type: 'INVALID_CALLBACK_OPTIONS' }));
  });

  test.each([
    ['received', 'Received'],
    ['timed_out', 'Timed out'],
    ['revoked', 'Revoked'],
    ['failed', 'Failed'],
  ] as const)('once %s, the card says "%s" and has no button, and no URL', (status, line) => {
    expect(callbackOutcomeLine({ status })).toBe(line);
    const blocks = slackCallbackOutcomeBlocks(NOTICE, { status });
    expect(JSON.stringify(blocks)).toContain(line);
    expect(blocks.some((block) => block.type === 'actions')).toBe(false);
    expect(JSON.stringify(blocks)).not.toContain(NOTICE.url);
  });
});
