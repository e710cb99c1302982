import { createHmac } from 'node:crypto';

/**
 * A stand-in for Slack: signs a request exactly as Slack does (its signing-secret scheme, which
 * `@slack/bolt`'s `verifySlackRequest` accepts) and clicks a button by posting the interaction
 * payload Slack would post. For demos and tests: no Slack workspace needed.
 */

/** The headers Slack signs a request with: `v0=` HMAC-SHA256 of `v0:<timestamp>:<body>` with the app's signing secret. */
export function slackSignatureHeaders(signingSecret: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestampSeconds), 'x-slack-signature': `v0=${signature}` };
}

/** The form body Slack posts when someone clicks a button: `payload=<block_actions JSON>`. */
export function buttonClickBody(input: { actionId: string; value: string; user: string; messageTs: string; channel?: string }): string {
  const payload = {
    type: 'block_actions',
    user: { id: input.user, username: input.user },
    container: { type: 'message', message_ts: input.messageTs, channel_id: input.channel ?? 'C0DEMO' },
    message: { ts: input.messageTs },
    actions: [{ type: 'button', action_id: input.actionId, block_id: 'decision', value: input.value, action_ts: String(Date.now() / 1000) }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Posts a signed button click to `url` (the gateway's `/webhooks/<source>`), as Slack would. */
export function clickButton(url: string, signingSecret: string, click: Parameters<typeof buttonClickBody>[0], timestampSeconds?: number): Promise<Response> {
  const body = buttonClickBody(click);
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignatureHeaders(signingSecret, body, timestampSeconds) },
    body,
  });
}
