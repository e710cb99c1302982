import { ApplicationFailure } from '@temporalio/activity';
import { LogLevel, WebClient } from '@slack/web-api';
import type { NotificationConfig } from '../config/notification-config';
import { NOTIFICATION_FAILURES, type PostApprovalCardInput, type SlackCardRef, type UpdateApprovalCardInput } from '../protocol/notification-messages';

/** Slack platform errors a retry may fix; any other (`channel_not_found`, `invalid_auth`, ...) will not. */
const TRANSIENT_SLACK_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** A `@slack/web-api` error, told apart by its `code` (so across module copies). */
interface SlackCallError {
  code?: string;
  statusCode?: number;
  retryAfter?: number;
  data?: { error?: string };
  message?: string;
}

/**
 * The Slack call's failure as an `ApplicationFailure` with a stable type: 429 is
 * `SLACK_RATE_LIMITED`, retried no sooner than Slack's `Retry-After`; 5xx, unreachable and
 * Slack's own transient errors are `SLACK_UNAVAILABLE` (retried); every other refusal is
 * `SLACK_REFUSED`, naming Slack's error (`channel_not_found`), and not retried. The token never
 * appears: the client's errors carry Slack's answer only.
 */
export function slackFailure(err: unknown, method: string): ApplicationFailure {
  const failure = err as SlackCallError;
  if (failure.code === 'slack_webapi_rate_limited_error') {
    const seconds = Math.max(1, failure.retryAfter ?? 1);
    return ApplicationFailure.create({ type: 'SLACK_RATE_LIMITED', message: `${NOTIFICATION_FAILURES.SLACK_RATE_LIMITED} ${method}: retry after ${seconds} s.`, nextRetryDelay: `${seconds}s` });
  }
  if (failure.code === 'slack_webapi_platform_error') {
    const error = failure.data?.error ?? 'unknown_error';
    const transient = TRANSIENT_SLACK_ERRORS.has(error);
    return ApplicationFailure.create({ type: transient ? 'SLACK_UNAVAILABLE' : 'SLACK_REFUSED', message: `Slack answered ${method} with ${error}.`, nonRetryable: !transient });
  }
  if (failure.code === 'slack_webapi_http_error' && failure.statusCode !== undefined && failure.statusCode < 500) {
    return ApplicationFailure.create({ type: 'SLACK_REFUSED', message: `Slack answered ${method} with HTTP ${failure.statusCode}.`, nonRetryable: true });
  }
  const how = failure.statusCode ? `HTTP ${failure.statusCode}` : (failure.message ?? String(err));
  return ApplicationFailure.create({ type: 'SLACK_UNAVAILABLE', message: `${NOTIFICATION_FAILURES.SLACK_UNAVAILABLE} ${method}: ${how}` });
}

/**
 * The `postApprovalCard` and `updateApprovalCard` activities: `chat.postMessage` and `chat.update`
 * through `@slack/web-api` with the worker's bot token (`SLACK_BOT_TOKEN`), at `SLACK_API_URL`.
 * The client's own retries are off and rate-limited calls are rejected, so the activity's retry
 * policy alone decides how often a call is tried, and a wait is never held up inside one attempt.
 */
export function createSlackCardActivities(slack: NotificationConfig['slack']): {
  postApprovalCard(input: PostApprovalCardInput): Promise<SlackCardRef>;
  updateApprovalCard(input: UpdateApprovalCardInput): Promise<void>;
} {
  let client: WebClient | undefined;
  const web = (): WebClient => {
    if (!slack) throw ApplicationFailure.create({ type: 'SLACK_NOT_CONFIGURED', message: NOTIFICATION_FAILURES.SLACK_NOT_CONFIGURED, nonRetryable: true });
    client ??= new WebClient(slack.token, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      allowAbsoluteUrls: false,
      timeout: 20_000,
      logLevel: LogLevel.ERROR,
    });
    return client;
  };
  return {
    async postApprovalCard(input) {
      const api = web();
      try {
        const answer = await api.chat.postMessage({ channel: input.channel, text: input.text, blocks: input.blocks as never });
        if (!answer.ts || !answer.channel) throw ApplicationFailure.create({ type: 'SLACK_REFUSED', message: 'Slack answered chat.postMessage without the message ts.', nonRetryable: true });
        return { channel: answer.channel, ts: answer.ts };
      } catch (err) {
        if (err instanceof ApplicationFailure) throw err;
        throw slackFailure(err, 'chat.postMessage');
      }
    },
    async updateApprovalCard(input) {
      const api = web();
      try {
        await api.chat.update({ channel: input.channel, ts: input.ts, text: input.text, blocks: input.blocks as never });
      } catch (err) {
        throw slackFailure(err, 'chat.update');
      }
    },
  };
}
