import escapeHtml from 'escape-html';
import type { CallbackMailInput, CallbackNotificationKind } from '../protocol/notification-messages';
import { oneLine, type MailContent } from './approval-mail-content';

const SUBJECT_PREFIX: Record<CallbackNotificationKind, string> = {
  request: 'Reply needed',
  reminder: 'Reminder',
  escalation: 'Escalated',
  'deadline-warning': 'Deadline soon',
};

const OPENING: Record<CallbackNotificationKind, string> = {
  request: 'A reply is awaited from you.',
  reminder: 'A reply is still awaited from you.',
  escalation: 'A reply is awaited, and nobody has answered yet: this was passed on to you.',
  'deadline-warning': 'A reply is still awaited, and the deadline is close.',
};

/** The one line the mail says about the link, in both bodies: it is a secret, and it answers once. */
export const LINK_IS_A_SECRET = 'The link is meant for you alone: whoever holds it can answer. Once answered, or past its deadline, it refuses further use.';

/**
 * The mail that asks for a callback's answer (a plain callback's `notify`, not an approval): a
 * subject naming what is asked (`Reply needed: …`, `Reminder: …`, `Escalated: …`, `Deadline soon:
 * …`), and a text and an HTML body with the title, the description, the deadline and the URL.
 * Every value is escaped in the HTML; pure, so tests check it without a mail server.
 */
export function callbackMailContent(input: Pick<CallbackMailInput, 'kind' | 'callback'>): MailContent {
  const { callback, kind } = input;
  const subject = oneLine(`${SUBJECT_PREFIX[kind]}: ${callback.title}`, 200);
  const facts: Array<[string, string]> = [
    ['Asked', callback.title],
    ...(callback.description ? ([['Details', callback.description]] as Array<[string, string]>) : []),
    ['Answer by', callback.deadline],
  ];
  const text = [OPENING[kind], '', ...facts.map(([name, value]) => `${name}: ${value}`), '', `Answer here: ${callback.url}`, '', LINK_IS_A_SECRET, ''].join('\n');
  const rows = facts.map(([name, value]) => `<tr><th align="left" style="padding-right:1em">${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`).join('\n');
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    `<p>${escapeHtml(OPENING[kind])}</p>`,
    `<table>\n${rows}\n</table>`,
    `<p><a href="${escapeHtml(callback.url)}">Answer here</a></p>`,
    `<p>${escapeHtml(LINK_IS_A_SECRET)}</p>`,
    '</body></html>',
    '',
  ].join('\n');
  return { subject, text, html };
}
