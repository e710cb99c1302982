import { createHmac, randomUUID } from 'node:crypto';

/**
 * A stand-in for GitHub's webhook sender: signs each delivery as GitHub does
 * (`X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body with the webhook's secret>`, which
 * `@octokit/webhooks-methods` verifies) and posts `pull_request` events with GitHub's headers. For
 * demos and tests: no repository or GitHub App needed.
 */

/** The `X-Hub-Signature-256` value GitHub sends for `body`. */
export function gitHubSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What happened to the pull request, in GitHub's terms. */
export interface PullRequestChange {
  repo: string;
  number: number;
  action: 'opened' | 'synchronize' | 'review_requested' | 'closed' | 'reopened';
  /** For `closed`: merged (with this login and commit) or closed unmerged. */
  merged?: { by: string; commit: string };
  sender?: string;
}

/** The `pull_request` event body GitHub sends (the fields a workflow usually reads). */
export function pullRequestEvent(change: PullRequestChange): object {
  const [owner] = change.repo.split('/');
  return {
    action: change.action,
    number: change.number,
    repository: { full_name: change.repo, owner: { login: owner } },
    pull_request: {
      number: change.number,
      state: change.action === 'closed' ? 'closed' : 'open',
      merged: change.merged !== undefined,
      merged_by: change.merged ? { login: change.merged.by } : null,
      merge_commit_sha: change.merged?.commit ?? null,
    },
    sender: { login: change.sender ?? 'octocat' },
  };
}

/**
 * Posts one signed `pull_request` delivery to `url` (the gateway's `/webhooks/<source>`). Pass the
 * same `deliveryId` again to play GitHub's redelivery of it.
 */
export function sendPullRequestEvent(url: string, secret: string, change: PullRequestChange, deliveryId: string = randomUUID()): Promise<Response> {
  const body = JSON.stringify(pullRequestEvent(change));
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/stand-in',
      'x-github-event': 'pull_request',
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': gitHubSignature(secret, body),
    },
    body,
  });
}
