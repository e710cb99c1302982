import type { Duration } from '@temporalio/common';
import { waitForWebhook, webhookKey, type CallbackDelivery } from '../../workflows';

export { webhookEvent, webhookMailbox } from '../../workflows';

/** Input of {@link pullRequestMerged}: which pull request, and how long to wait. */
export interface PullRequestInput {
  /** `owner/name`, as GitHub's `repository.full_name`. */
  repo: string;
  number: number;
  /** Default seven days. */
  timeout?: Duration;
}

/** How the wait ended: merged (by whom, which commit) or closed unmerged, with the actions seen on the way; or timed out. */
export type PullRequestOutcome =
  | { status: 'merged'; mergedBy: string | null; mergeCommit: string | null; actions: string[] }
  | { status: 'closed'; actions: string[] }
  | { status: 'timed_out'; actions: string[] };

/** The parts of GitHub's `pull_request` event the workflow reads. */
export interface PullRequestEvent {
  action: string;
  pull_request: { number: number; merged?: boolean; merged_by?: { login: string } | null; merge_commit_sha?: string | null };
}

const isClosed = (delivery: CallbackDelivery) => (delivery.data as PullRequestEvent).action === 'closed';

/**
 * Waits until a pull request is merged or closed, from GitHub's `pull_request` webhooks: the
 * gateway's `github` source keys them by `{/repository/full_name}#{/pull_request/number}`, so
 * `octo/widgets#7` (`webhookKey` builds it the same way) gets exactly that pull request's events (events sent before the workflow began
 * are held by the mailbox and count too). A stream wait collects `opened`, `synchronize`,
 * `review_requested`... until the first `closed`; GitHub marks a merge as `closed` with
 * `pull_request.merged: true`.
 */
export async function pullRequestMerged(input: PullRequestInput): Promise<PullRequestOutcome> {
  const result = await waitForWebhook<PullRequestEvent>({
    source: 'github',
    event: 'pull_request',
    key: webhookKey`${input.repo}#${input.number}`,
    mode: 'stream',
    timeout: input.timeout ?? '7d',
    until: (events) => events.some(isClosed),
  });
  if (result.status !== 'received') return { status: 'timed_out', actions: [] };
  const actions = result.deliveries.map((delivery) => (delivery.data as PullRequestEvent).action);
  const closed = result.deliveries.find(isClosed)!.data as PullRequestEvent;
  if (!closed.pull_request.merged) return { status: 'closed', actions };
  return { status: 'merged', mergedBy: closed.pull_request.merged_by?.login ?? null, mergeCommit: closed.pull_request.merge_commit_sha ?? null, actions };
}
