import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { pullRequestEvent } from '../../../examples/github-pr/github-stand-in';
import { GITHUB_SOURCE, PULL_REQUEST_EVENT } from '../../faults/support/github-events';
import { postJson } from './http-client';

/**
 * GitHub as the webhook benchmark plays it: `pull_request` events for the `github` source that
 * faults/support/github-events.ts writes (keyed `{/repository/full_name}#{/pull_request/number}`),
 * signed by GitHub's own library (`@octokit/webhooks-methods`, as the webhook tests sign) before
 * the clock starts, and POSTed on the bench's keep-alive agent like every other bench delivery.
 */

/** One `pull_request` delivery, signed and ready to send. */
export interface SignedPullRequest {
  /** The key the source's template derives from it: `<repo>#<number>`. */
  key: string;
  /** Its `X-GitHub-Delivery`. */
  deliveryId: string;
  body: string;
  /** GitHub's headers, the signature (`X-Hub-Signature-256`) included. */
  headers: Record<string, string>;
}

type Sign = (secret: string, payload: string) => Promise<string>;
let signer: Promise<Sign> | undefined;

/** `@octokit/webhooks-methods`'s `sign`, loaded once: the package is an ES module only, so it is imported dynamically. */
function gitHubSign(): Promise<Sign> {
  signer ??= import('@octokit/webhooks-methods').then((methods) => methods.sign);
  return signer;
}

/** The `opened` event of pull request `repo#number`, signed with `secret` as GitHub signs it. */
export async function signedPullRequest(secret: string, repo: string, number: number): Promise<SignedPullRequest> {
  const body = JSON.stringify(pullRequestEvent({ repo, number, action: 'opened' }));
  const deliveryId = randomUUID();
  const sign = await gitHubSign();
  return {
    key: `${repo}#${number}`,
    deliveryId,
    body,
    headers: {
      'user-agent': 'GitHub-Hookshot/bench',
      'x-github-event': PULL_REQUEST_EVENT,
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': await sign(secret, body),
    },
  };
}

/**
 * POSTs `delivery` to the gateway's `/webhooks/github`; resolves on `202 {status:'accepted'}` (Temporal
 * recorded it in the key's mailbox), throws on anything else.
 */
export async function sendPullRequestWebhook(agent: http.Agent, gatewayUrl: string, delivery: SignedPullRequest): Promise<void> {
  const answer = await postJson(agent, new URL(`/webhooks/${GITHUB_SOURCE}`, gatewayUrl), delivery.body, delivery.headers);
  const status = answer.status === 202 ? (JSON.parse(answer.body) as { status?: unknown }).status : undefined;
  if (status !== 'accepted') throw new Error(`/webhooks/${GITHUB_SOURCE} answered ${answer.status} (expected 202 accepted): ${answer.body}`);
}
