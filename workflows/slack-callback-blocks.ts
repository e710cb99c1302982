import { SLACK_ACTION_IDS } from '../protocol/slack-approval';
import type { CallbackEnding, CallbackEndStatus, CallbackNotice } from '../protocol/notification-messages';
import { invalidOption } from './durations';
import { clip, escapeMrkdwn, SECTION_TEXT_MAX, type SlackBlock } from './slack-approval-blocks';

/** The longest `url` Slack accepts on a link button. */
const BUTTON_URL_MAX = 3000;

/** Slack's date formatting of `iso` in the reader's own time zone, with the ISO text as its fallback. */
function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return escapeMrkdwn(iso);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} at {time}|${escapeMrkdwn(iso)}>`;
}

/**
 * The Block Kit blocks of a Slack message that asks for a callback's answer (not an approval: there
 * is nothing to vote on): its title and description, the deadline, and one link button, Open, to
 * the callback's URL. The URL is a bearer secret: post it only to a channel of the people asked.
 * Pure, so it may run in workflow code; the notifier posts it for `createCallback`'s `notify`.
 * @throws `INVALID_CALLBACK_OPTIONS` (non-retryable) when the URL is longer than a Slack button's
 * 3,000 characters (an opaque URL's JWE can be): post signed URLs to Slack.
 */
export function slackCallbackBlocks(callback: Readonly<CallbackNotice>): SlackBlock[] {
  if (callback.url.length > BUTTON_URL_MAX) {
    throw invalidOption(`The callback's URL is ${callback.url.length} characters, too long for a Slack button (at most ${BUTTON_URL_MAX}); post signed URLs to Slack.`);
  }
  const text = clip(`*${escapeMrkdwn(callback.title)}*${callback.description ? `\n${escapeMrkdwn(callback.description)}` : ''}`, SECTION_TEXT_MAX);
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `Answer by ${slackDate(callback.deadline)}.` }] },
    { type: 'actions', elements: [{ type: 'button', action_id: SLACK_ACTION_IDS.open, text: { type: 'plain_text', text: 'Open' }, url: callback.url }] },
  ];
}

const ENDING_WORDS: Record<CallbackEndStatus, string> = {
  received: 'Received',
  failed: 'Failed',
  timed_out: 'Timed out',
  heartbeat_timed_out: 'Timed out (no heartbeat)',
  revoked: 'Revoked',
};

/** One line saying how a callback's wait ended, for a card, a mail or a log: `Received`, `Timed out`, `Revoked`, `Failed`. */
export function callbackOutcomeLine(ending: Readonly<CallbackEnding>): string {
  return ENDING_WORDS[ending.status];
}

/**
 * The Block Kit blocks that replace a callback's card once its wait ended: the title and how it
 * ended, and no button (the URL is no longer shown). Pure; the notifier posts them with `chat.update`.
 */
export function slackCallbackOutcomeBlocks(callback: Readonly<Pick<CallbackNotice, 'title'>>, ending: Readonly<CallbackEnding>): SlackBlock[] {
  return [{ type: 'section', text: { type: 'mrkdwn', text: clip(`*${escapeMrkdwn(callback.title)}*\n${callbackOutcomeLine(ending)}`, SECTION_TEXT_MAX) } }];
}
