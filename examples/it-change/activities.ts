import { ApplicationFailure } from '@temporalio/activity';

/** What the production change example does besides asking: post the request to Slack, and apply the change once approved (here, it says so). */
export interface ChangeActivities {
  applyChange(change: { system: string; change: string; ticket: string }): Promise<void>;
  /** Posts a message with blocks (`slackApprovalBlocks`) through Slack's `chat.postMessage`. */
  postToSlack(message: { channel: string; text: string; blocks: unknown[] }): Promise<void>;
}

/** Where the example's Slack calls go: Slack's Web API (or a stand-in) and the bot token. */
export interface SlackApi {
  apiUrl: string;
  token: string;
}

/**
 * The example's activities. `applyChange` logs the change it would apply (a real one would call
 * the change system's API); `postToSlack` needs `slack`, and fails without retrying when the
 * worker has none or Slack refuses the message.
 */
export function createChangeActivities(options: { log?: (line: string) => void; slack?: SlackApi } = {}): ChangeActivities {
  const log = options.log ?? console.log;
  return {
    async applyChange({ system, change, ticket }) {
      log(`applying ${ticket}: ${change} on ${system}`);
    },
    async postToSlack(message) {
      const slack = options.slack;
      if (!slack) throw ApplicationFailure.nonRetryable('This worker has no Slack API settings (SLACK_BOT_TOKEN); the request cannot be posted to Slack.', 'SLACK_NOT_CONFIGURED');
      const response = await fetch(`${slack.apiUrl}/chat.postMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${slack.token}` },
        body: JSON.stringify(message),
      });
      const answer = (await response.json()) as { ok: boolean; error?: string };
      if (!answer.ok) throw ApplicationFailure.nonRetryable(`Slack refused the message: ${answer.error ?? response.status}.`, 'SLACK_REFUSED');
      log(`posted the approval request to Slack channel ${message.channel}`);
    },
  };
}
