import type { ApprovalAction, ApprovalDecidedBy, ApprovalOutcome, ApprovalVote } from '../protocol/approval-messages';
import { SLACK_ACTION_IDS, SLACK_BUTTON_VALUE_MAX, slackButtonValue } from '../protocol/slack-approval';
import { invalidOption } from './durations';

/** A Slack Block Kit block, as plain JSON (the helper needs no Slack package). */
export type SlackBlock = Record<string, unknown>;

/** The longest text Slack accepts in a section block. */
export const SECTION_TEXT_MAX = 3000;

/** Escapes the three characters Slack's mrkdwn treats as control characters, so text from workflow code is shown, never read as links or mentions. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `text` cut to `max` characters (the last one an ellipsis), for Slack's length limits. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The Block Kit blocks of a Slack message asking for `approval`: the action's title and summary,
 * a link to the approval page, and Approve / Reject buttons whose `value` is `approve|<token>` /
 * `reject|<token>`, the token being the last path segment of `approval.url`. A click reaches the
 * gateway's `POST /approvals/slack` as Slack's signed interactive request; the Slack user who
 * clicked is the approver (see docs/approvals.md, "Slack"). Post the blocks from an activity with
 * your bot token (`chat.postMessage`); this function is pure, so it may run in workflow code.
 * @throws `INVALID_CALLBACK_OPTIONS` (non-retryable) when the URL has no token, or the token makes a
 * button value longer than Slack's 2,000 characters (an opaque URL's JWE can): use signed URLs.
 */
export function slackApprovalBlocks(approval: { readonly url: string; readonly action: ApprovalAction }): SlackBlock[] {
  const token = approval.url.replace(/[?#].*$/, '').split('/').pop() ?? '';
  if (!/^[A-Za-z0-9_.-]+$/.test(token)) throw invalidOption("slackApprovalBlocks needs an approval's URL, which ends in its callback token.");
  const longest = Math.max(slackButtonValue('approve', token).length, slackButtonValue('reject', token).length);
  if (longest > SLACK_BUTTON_VALUE_MAX) {
    throw invalidOption(
      `The approval's token is ${token.length} characters, too long for a Slack button's value (at most ${SLACK_BUTTON_VALUE_MAX}); opaque (encrypted) URLs are: post signed URLs to Slack.`,
    );
  }
  const { title, summary } = approval.action;
  const text = clip(`*${escapeMrkdwn(title)}*${summary ? `\n${escapeMrkdwn(summary)}` : ''}`, SECTION_TEXT_MAX);
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `<${approval.url}|Open the approval page> for the details.` }] },
    {
      type: 'actions',
      elements: [
        { type: 'button', action_id: SLACK_ACTION_IDS.approve, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value: slackButtonValue('approve', token) },
        { type: 'button', action_id: SLACK_ACTION_IDS.reject, style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value: slackButtonValue('reject', token) },
      ],
    },
  ];
}

const OUTCOME_WORDS: Record<ApprovalOutcome, string> = { approved: 'Approved', rejected: 'Rejected', timed_out: 'Timed out', cancelled: 'Cancelled' };

/** One line saying how an approval ended, for a card, a mail or a log: `Approved by 2 votes`, `Timed out`. */
export function approvalOutcomeLine(ending: { readonly outcome: ApprovalOutcome; readonly decidedBy: ApprovalDecidedBy; readonly votes: readonly ApprovalVote[] }): string {
  const { outcome, decidedBy, votes } = ending;
  const counted = votes.filter((vote) => (outcome === 'rejected' ? vote.decision === 'reject' : vote.decision === 'approve')).length;
  if (decidedBy === 'votes') return `${OUTCOME_WORDS[outcome]} (${counted} ${counted === 1 ? 'vote' : 'votes'})`;
  return decidedBy === 'timeout' ? `${OUTCOME_WORDS[outcome]} (no decision in time)` : `${OUTCOME_WORDS[outcome]} (by the workflow)`;
}

/**
 * The Block Kit blocks that replace an approval's card once it ended: the action's title, how it
 * ended (`Approved (2 votes)`), who voted, and no buttons, so nobody clicks a decided request.
 * Pure; the notifier posts them with `chat.update`.
 */
export function slackOutcomeBlocks(
  approval: { readonly url: string; readonly action: ApprovalAction },
  ending: { readonly outcome: ApprovalOutcome; readonly decidedBy: ApprovalDecidedBy; readonly votes: readonly ApprovalVote[] },
): SlackBlock[] {
  const voters = ending.votes.map((vote) => `${vote.decision === 'approve' ? 'approved' : 'rejected'} by ${escapeMrkdwn(vote.approver.name ?? vote.approver.email ?? vote.approver.subject)}`);
  const text = clip(`*${escapeMrkdwn(approval.action.title)}*\n${approvalOutcomeLine(ending)}`, SECTION_TEXT_MAX);
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: clip(`${voters.length ? `${voters.join('; ')}. ` : ''}<${approval.url}|The approval page> shows the record.`, SECTION_TEXT_MAX) }] },
  ];
}
