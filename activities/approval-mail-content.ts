import escapeHtml from 'escape-html';
import type { ApprovalInitiator } from '../protocol/approval-messages';
import type { ApprovalMailInput, NotificationKind } from '../protocol/notification-messages';

/** A mail's subject, plain text and HTML. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

const SUBJECT_PREFIX: Record<NotificationKind, string> = {
  request: 'Approval needed',
  reminder: 'Reminder: approval needed',
  escalation: 'Escalated: approval needed',
  'deadline-warning': 'Deadline soon: approval needed',
  delegation: 'Handed to you',
  reassignment: 'Assigned to you',
};

/** The opening line of each kind's mail: a hand-off says the request is now the reader's to decide. */
const OPENING: Record<NotificationKind, string> = {
  request: 'Approval needed.',
  reminder: 'Reminder: approval needed.',
  escalation: 'Escalated: approval needed.',
  'deadline-warning': 'Deadline soon: approval needed.',
  delegation: 'An approver handed this request to you: you may now decide it on their behalf.',
  reassignment: 'An operator assigned this request to you: you may now decide it.',
};

/** The one line the mail says about the link, in both bodies: opening it is safe. */
export const LINK_NEVER_DECIDES = 'Opening the link only shows the request: nothing is decided until you sign in and choose Approve or Reject on the page.';

/** A delegator as the mail names them: `Name <email>`, or whichever of the two their sign-in gave. */
function whoHanded(from: { name?: string; email?: string } | undefined): string | undefined {
  if (from?.name && from.email) return `${from.name} <${from.email}>`;
  return from?.name ?? from?.email;
}

function whoAsked(initiator: ApprovalInitiator | undefined): string | undefined {
  return initiator?.email ?? initiator?.slackUserId ?? initiator?.subject;
}

/** `text` as one line of at most `max` characters, for a mail's subject (header injection is nodemailer's to prevent; a subject is one line anyway, and clipped). */
export function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** What a notification mail says, in the order its bodies say it. */
export interface MailParts {
  subject: string;
  /** The first line: why the reader gets this mail. */
  opening: string;
  /** Named values, one row (HTML) or line (text) each. */
  facts: Array<[string, string]>;
  /** Where to go, and what the link is called. */
  link: { url: string; label: string };
  /** The last line: what the link does and does not do. */
  footer: string;
}

/** The text and HTML bodies of a notification mail (every value escaped in the HTML): what approval and callback mails share. */
export function mailContent({ subject, opening, facts, link, footer }: MailParts): MailContent {
  const text = [opening, '', ...facts.map(([name, value]) => `${name}: ${value}`), '', `${link.label}: ${link.url}`, '', footer, ''].join('\n');
  const rows = facts.map(([name, value]) => `<tr><th align="left" style="padding-right:1em">${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`).join('\n');
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    `<p>${escapeHtml(opening)}</p>`,
    `<table>\n${rows}\n</table>`,
    `<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`,
    `<p>${escapeHtml(footer)}</p>`,
    '</body></html>',
    '',
  ].join('\n');
  return { subject, text, html };
}

/**
 * The mail that asks for an approval: a subject naming the action, and a text and an HTML body
 * naming the action, its summary, who asked, the deadline and the approval URL (and, for a hand-off,
 * who handed it on with their comment, or the operator's reason), saying that opening the link decides nothing (mail scanners and previews open links). Every value is escaped in the
 * HTML; pure, so tests check it without a mail server.
 */
export function approvalMailContent(input: Pick<ApprovalMailInput, 'kind' | 'approval' | 'handOff'>): MailContent {
  const { approval, kind, handOff } = input;
  const asker = whoAsked(approval.initiator);
  const handedBy = whoHanded(handOff?.from);
  const subject = oneLine(`${SUBJECT_PREFIX[kind]}: ${approval.action.title}`, 200);
  const facts: Array<[string, string]> = [
    ['Action', approval.action.title],
    ...(approval.action.summary ? ([['Summary', approval.action.summary]] as Array<[string, string]>) : []),
    ...(asker ? ([['Asked by', asker]] as Array<[string, string]>) : []),
    ['Decide by', approval.deadline],
    ['Approvals needed', String(approval.quorum)],
    ...(handedBy ? ([['Handed to you by', handedBy]] as Array<[string, string]>) : []),
    ...(handOff?.comment ? ([['Their comment', handOff.comment]] as Array<[string, string]>) : []),
    ...(handOff?.reason ? ([['Reason', handOff.reason]] as Array<[string, string]>) : []),
  ];
  return mailContent({ subject, opening: OPENING[kind], facts, link: { url: approval.url, label: 'Open the approval page to decide' }, footer: LINK_NEVER_DECIDES });
}
