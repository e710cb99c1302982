import { randomUUID } from 'node:crypto';
import { verify } from '@octokit/webhooks-methods';
import { gitHubSignature, sendPullRequestEvent, type PullRequestChange } from '../examples/github-pr/github-stand-in';
import type { PullRequestInput, PullRequestOutcome } from '../examples/github-pr/workflows';
import { webhookMailboxId } from '../protocol/webhook-ids';
import { callbacksQuery, webhookMailboxQuery } from '../protocol/definitions';
import { pollUntil } from './support/async';
import type { Harness } from './support/harness';
import { startWebhookHarness } from './support/webhook-harness';
import { GITHUB_SECRET } from './support/webhook-senders';

const SOURCES = { github: { provider: 'github', secret: GITHUB_SECRET, events: { pull_request: { key: '{/repository/full_name}#{/pull_request/number}' } } } };

let h: Harness;
beforeAll(async () => {
  h = await startWebhookHarness(SOURCES, { webhookHoldMs: 60_000 });
});
afterAll(async () => {
  await h?.close();
});

const prOf = (): PullRequestInput => ({ repo: `octo/widgets-${randomUUID().slice(0, 8)}`, number: 7, timeout: '1m' });

/** Sends one change of `pr`; a redelivery (GitHub sends the same body again) is answered `duplicate`. */
async function send(pr: PullRequestInput, change: Omit<PullRequestChange, 'repo' | 'number'>, deliveryId?: string, status: 'accepted' | 'duplicate' = 'accepted'): Promise<void> {
  const response = await sendPullRequestEvent(`${h.gatewayUrl}/webhooks/github`, GITHUB_SECRET, { repo: pr.repo, number: pr.number, ...change }, deliveryId);
  expect(response.status).toBe(202);
  expect(await response.json()).toMatchObject({ status, key: `${pr.repo}#${pr.number}` });
}

describe('the GitHub pull request example', () => {
  test("the stand-in signs as GitHub does: @octokit/webhooks-methods verifies its signature", async () => {
    const body = JSON.stringify({ action: 'opened' });
    await expect(verify(GITHUB_SECRET, body, gitHubSignature(GITHUB_SECRET, body))).resolves.toBe(true);
    await expect(verify('another-secret', body, gitHubSignature(GITHUB_SECRET, body))).resolves.toBe(false);
  });

  test('waits through opened (sent before it began), a redelivered synchronize and a merge, and returns who merged which commit', async () => {
    const pr = prOf();
    await send(pr, { action: 'opened' });
    const mailbox = h.client.workflow.getHandle(webhookMailboxId('github', `${pr.repo}#${pr.number}`));
    await pollUntil('the mailbox holding opened', async () => (await mailbox.query(webhookMailboxQuery).catch(() => undefined))?.events.length === 1, 20_000, 50);
    const handle = await h.start('pullRequestMerged', [pr]);
    // Each change is sent once the one before reached the workflow, as a pull request's changes come; see docs/webhooks.md on order.
    const received = (count: number) =>
      pollUntil(`${count} events received`, async () => ((await handle.query(callbacksQuery).catch(() => []))[0]?.deliveries ?? 0) >= count, 20_000, 50);
    await received(1);
    const pushed = randomUUID();
    await send(pr, { action: 'synchronize' }, pushed);
    await received(2);
    await send(pr, { action: 'synchronize' }, pushed, 'duplicate');
    await send(pr, { action: 'closed', merged: { by: 'lee', commit: 'abc1234' } });
    const result = (await handle.result()) as PullRequestOutcome;
    expect(result).toEqual({ status: 'merged', mergedBy: 'lee', mergeCommit: 'abc1234', actions: ['opened', 'synchronize', 'closed'] });
  });

  test('a pull request closed without merging ends the wait as closed; another pull request of the repository does not count', async () => {
    const pr = prOf();
    const handle = await h.start('pullRequestMerged', [pr]);
    await send({ ...pr, number: 70 }, { action: 'closed', merged: { by: 'lee', commit: 'def5678' } });
    await send(pr, { action: 'closed' });
    expect(await handle.result()).toEqual({ status: 'closed', actions: ['closed'] });
  });
});
