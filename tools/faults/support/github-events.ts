import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { gitHubSignature, pullRequestEvent } from '../../../examples/github-pr/github-stand-in';
import { deliverWith, postRequest, type Delivery, type SenderPolicy } from './sender';

/**
 * GitHub as the webhook drill plays it: a `github` source for the gateways, and `pull_request`
 * deliveries signed as GitHub signs them (`X-Hub-Signature-256: sha256=<HMAC-SHA256 hex of the
 * body>`, node:crypto), each with its own `X-GitHub-Delivery`, sent to `/webhooks/github` by the
 * suite's retrying sender. A redelivery sends the same body and delivery id again.
 */

export const GITHUB_SOURCE = 'github';
export const PULL_REQUEST_EVENT = 'pull_request';
/** The variable the sources file names for the secret (`WEBHOOK_` variables of the caller's shell never reach the services). */
const SECRET_ENV = 'WEBHOOK_FAULTS_GITHUB_SECRET';

/** A `github` source in a sources file, and the secret its requests are signed with. */
export interface GitHubSource {
  secret: string;
  /** What a gateway needs: `WEBHOOK_SOURCES_FILE` and the secret's variable. */
  gatewayOptions: { file: string; secretEnv: Record<string, string> };
}

/** Writes (mode 0600) a sources file with one `github` source keyed `{/repository/full_name}#{/pull_request/number}` and a random secret. */
export async function writeGitHubSource(file: string): Promise<GitHubSource> {
  const secret = randomBytes(32).toString('hex');
  const sources = { [GITHUB_SOURCE]: { provider: 'github', secretEnv: SECRET_ENV, events: { [PULL_REQUEST_EVENT]: { key: '{/repository/full_name}#{/pull_request/number}' } } } };
  await fs.writeFile(file, `${JSON.stringify(sources, null, 2)}\n`, { mode: 0o600 });
  return { secret, gatewayOptions: { file, secretEnv: { [SECRET_ENV]: secret } } };
}

/** One pull request's `opened` event: its key, body (with a nonce, so a waiter can be checked to hold its own) and delivery id. */
export interface PullRequestDelivery {
  index: number;
  key: string;
  deliveryId: string;
  /** The parsed event, as a waiter receives it. */
  event: object;
  body: string;
}

/** `opened` events of pull requests `repo#1` .. `repo#count`. */
export function pullRequestDeliveries(repo: string, count: number): PullRequestDelivery[] {
  return Array.from({ length: count }, (_, index) => {
    const event = { ...pullRequestEvent({ repo, number: index + 1, action: 'opened' }), drill: { i: index, nonce: randomBytes(12).toString('base64url') } };
    return { index, key: `${repo}#${index + 1}`, deliveryId: randomUUID(), event, body: JSON.stringify(event) };
  });
}

/** Delivers `delivery` signed with `secret` to `/webhooks/github` of the policy's gateway, retrying as a provider does (`copy` > 0: a redelivery). */
export function sendPullRequest(delivery: PullRequestDelivery, secret: string, policy: SenderPolicy, copy = 0): Promise<Delivery<PullRequestDelivery>> {
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/faults',
    'x-github-event': PULL_REQUEST_EVENT,
    'x-github-delivery': delivery.deliveryId,
    'x-hub-signature-256': gitHubSignature(secret, delivery.body),
  };
  const send = (gateway: string, timeoutMs: number) => postRequest(gateway, `${gateway}/webhooks/${GITHUB_SOURCE}`, { headers, body: delivery.body }, timeoutMs);
  return deliverWith(delivery, send, policy, undefined, copy);
}
