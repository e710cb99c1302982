import type { CallbackMailInput, CallbackNotificationKind } from '../protocol/notification-messages';
import { mailContent, oneLine, type MailContent } from './approval-mail-content';

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
  return mailContent({ subject, opening: OPENING[kind], facts, link: { url: callback.url, label: 'Answer here' }, footer: LINK_IS_A_SECRET });
}
