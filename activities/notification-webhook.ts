import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { NotificationConfig } from '../config/notification-config';
import { NOTIFICATION_FAILURES, type NotificationWebhookInput } from '../protocol/notification-messages';

/** How long one POST may take before the attempt fails (and is retried by the activity's policy). */
const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * The Standard Webhooks headers of a POST: `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` with the secret's
 * key). The scheme is a few lines over Node's crypto; the `standardwebhooks` package is a test-only
 * dependency here, and the tests verify these headers with it.
 */
export function standardWebhooksHeaders(key: Uint8Array, id: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const timestamp = String(timestampSeconds);
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

/** The URL without path, query or credentials, for messages: a webhook URL may carry a secret path. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the webhook URL';
  }
}

/**
 * The `postNotificationWebhook` activity: POSTs the event as JSON, signed with the sender's secret
 * from `NOTIFY_WEBHOOK_SECRETS` when the channel names one (unknown sender: `NOTIFY_WEBHOOK_SECRET_MISSING`,
 * not retried), and with the same `webhook-id` on every attempt. 2xx is delivered; 429, 5xx and an
 * unreachable receiver are `WEBHOOK_UNAVAILABLE` (retried, after `Retry-After` when given); any other
 * answer, redirects included (never followed), is `WEBHOOK_REFUSED`.
 */
export function createPostNotificationWebhook(secrets: NotificationConfig['webhookSecrets']): (input: NotificationWebhookInput) => Promise<void> {
  return async (input) => {
    const key = input.sender === undefined ? undefined : secrets.get(input.sender);
    if (input.sender !== undefined && !key) {
      throw ApplicationFailure.create({ type: 'NOTIFY_WEBHOOK_SECRET_MISSING', message: `${NOTIFICATION_FAILURES.NOTIFY_WEBHOOK_SECRET_MISSING} (sender '${input.sender}')`, nonRetryable: true });
    }
    const body = JSON.stringify(input.event);
    const headers = { 'content-type': 'application/json', ...(key ? standardWebhooksHeaders(key, input.id, body) : { 'webhook-id': input.id }) };
    const where = originOf(input.url);
    let response: Response;
    try {
      response = await fetch(input.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
    } catch (err) {
      throw ApplicationFailure.create({ type: 'WEBHOOK_UNAVAILABLE', message: `${NOTIFICATION_FAILURES.WEBHOOK_UNAVAILABLE} ${where}: ${(err as Error).message}` });
    }
    await response.body?.cancel();
    if (response.ok) return;
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers.get('retry-after'));
      throw ApplicationFailure.create({
        type: 'WEBHOOK_UNAVAILABLE',
        message: `${NOTIFICATION_FAILURES.WEBHOOK_UNAVAILABLE} ${where} answered ${response.status}.`,
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { nextRetryDelay: `${retryAfter}s` } : {}),
      });
    }
    throw ApplicationFailure.create({ type: 'WEBHOOK_REFUSED', message: `${NOTIFICATION_FAILURES.WEBHOOK_REFUSED} ${where} answered ${response.status}.`, nonRetryable: true });
  };
}
