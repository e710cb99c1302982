import { sign as signGitHub } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';

/**
 * Provider requests signed by the providers' own libraries (GitHub's `@octokit/webhooks-methods`,
 * `stripe`, `standardwebhooks`), for the webhook tests; Slack's stand-in lives with its example.
 */

export const GITHUB_SECRET = 'github-test-secret';
export const STRIPE_SECRET = 'whsec_stripe_test_secret';
export const SLACK_SECRET = 'slack-test-signing-secret';
export const STANDARD_SECRET = `whsec_${Buffer.from('standard-webhooks-test-secret-32b').toString('base64')}`;

const stripe = new Stripe('sk_test_not_used');

/** Posts a GitHub webhook; `tamper` changes the body after signing. */
export async function sendGitHub(url: string, input: { event: string; deliveryId: string; body: object; secret?: string; tamper?: boolean }): Promise<Response> {
  const body = JSON.stringify(input.body);
  const signature = await signGitHub(input.secret ?? GITHUB_SECRET, body);
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': input.event, 'x-github-delivery': input.deliveryId, 'x-hub-signature-256': signature },
    body: input.tamper ? body.replace('}', ',"tampered":true}') : body,
  });
}

/** Posts a Stripe event signed by `stripe.webhooks.generateTestHeaderString` with `secret` (default {@link STRIPE_SECRET}), at `timestamp` (Unix seconds, default now). */
export function sendStripe(url: string, input: { event: object; timestamp?: number; tamper?: boolean; secret?: string }): Promise<Response> {
  const payload = JSON.stringify(input.event);
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret: input.secret ?? STRIPE_SECRET, ...(input.timestamp === undefined ? {} : { timestamp: input.timestamp }) });
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': header },
    body: input.tamper ? payload.replace('}', ',"tampered":true}') : payload,
  });
}

/** Posts a Standard Webhooks message signed by `standardwebhooks` with `secret` (default {@link STANDARD_SECRET}), at `timestamp` (default now). */
export function sendStandard(url: string, input: { id: string; body: object; timestamp?: Date; tamper?: boolean; secret?: string }): Promise<Response> {
  const payload = JSON.stringify(input.body);
  const timestamp = input.timestamp ?? new Date();
  const signature = new Webhook(input.secret ?? STANDARD_SECRET).sign(input.id, timestamp, payload);
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': input.id, 'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)), 'webhook-signature': signature },
    body: input.tamper ? payload.replace('}', ',"tampered":true}') : payload,
  });
}
