/** The example's activity: post the approval message through Slack's Web API. */
export interface SlackApprovalActivities {
  /** Posts `text` to `channel` with Approve and Reject buttons that both carry `value` (the wait's key). */
  postApprovalMessage(input: { channel: string; text: string; value: string }): Promise<void>;
}

/** Slack's Web API, where the example posts by default. */
export const SLACK_API_URL = 'https://slack.com/api';

/**
 * The activities, posting with `chat.postMessage` at `apiUrl` with the bot token `token`. The
 * buttons' `action_id`s (`approve`, `reject`) tell the workflow which one was clicked.
 */
export function createSlackApprovalActivities(options: { apiUrl: string; token: string }): SlackApprovalActivities {
  return {
    async postApprovalMessage({ channel, text, value }) {
      const button = (actionId: string, label: string, style: string) => ({ type: 'button', action_id: actionId, text: { type: 'plain_text', text: label }, style, value });
      const response = await fetch(`${options.apiUrl}/chat.postMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${options.token}` },
        body: JSON.stringify({
          channel,
          text,
          blocks: [
            { type: 'section', text: { type: 'mrkdwn', text } },
            { type: 'actions', block_id: 'decision', elements: [button('approve', 'Approve', 'primary'), button('reject', 'Reject', 'danger')] },
          ],
        }),
      });
      const answer = (await response.json().catch(() => ({}))) as { ok?: boolean; error?: string };
      // Slack answers 200 with ok: false for most errors; the activity's retries cover transient ones.
      if (!response.ok || answer.ok !== true) throw new Error(`chat.postMessage failed: HTTP ${response.status}, ${answer.error ?? 'no error given'}`);
    },
  };
}
