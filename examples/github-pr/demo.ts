import { randomUUID } from 'node:crypto';
import { connectDemo, print, printStarted, resultOf, runDemo, runWorkerUntilCleanup, webhookSecretOf, type DemoRun } from '../demo-support';
import { sendPullRequestEvent, type PullRequestChange } from './github-stand-in';
import { createGitHubPrWorker, GITHUB_PR_TASK_QUEUE } from './worker';
import type { PullRequestInput, PullRequestOutcome, pullRequestMerged } from './workflows';

/**
 * `npm run demo -- github-pr`: runs the `pullRequestMerged` example end to end against
 * `npm start`. The demo runs the example's worker and plays GitHub: it sends the pull request's
 * `opened` event before the workflow starts (the mailbox holds it), then, once the workflow waits,
 * `synchronize`, a redelivery of it, and `closed` with `merged: true`, each signed with the
 * `github` source's secret and posted to the gateway's `/webhooks/github`.
 */

/** Pause between the stand-in's deliveries, so the steps can be followed. */
const STEP_MS = 1_500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function gitHubPrDemo(run: DemoRun): Promise<number> {
  const context = await connectDemo(run, 'github-pr');
  const secret = await webhookSecretOf('github');
  const webhookUrl = `${context.gatewayUrl}/webhooks/github`;
  // A fresh pull request number per run: mailboxes hold events for a day, and an earlier run's must not count.
  const pr: PullRequestInput = { repo: 'demo-org/widgets', number: 1000 + Math.floor(Math.random() * 9_000_000), timeout: '5 minutes' };
  const send = async (change: Omit<PullRequestChange, 'repo' | 'number'>, deliveryId = randomUUID(), note = '') => {
    const response = await sendPullRequestEvent(webhookUrl, secret, { repo: pr.repo, number: pr.number, ...change }, deliveryId);
    const answer = (await response.json().catch(() => ({}))) as { status?: string; key?: string };
    print(`GitHub: pull_request ${change.action}${note} (delivery ${deliveryId.slice(0, 8)}): gateway answered ${response.status} ${answer.status ?? ''} key ${answer.key ?? '-'}`);
    return deliveryId;
  };

  print(`GitHub: ${pr.repo}#${pr.number} is opened before any workflow waits for it`);
  await send({ action: 'opened', sender: 'dana' });

  print(`starting the example's worker on task queue '${GITHUB_PR_TASK_QUEUE}' (bundling its workflow takes a few seconds)`);
  const worker = await createGitHubPrWorker({ connection: context.workerConnection, namespace: context.temporal.namespace });
  runWorkerUntilCleanup(run, worker);

  const workflowId = `github-pr-demo-${pr.number}`;
  const handle = await context.client.workflow.start<typeof pullRequestMerged>('pullRequestMerged', { taskQueue: GITHUB_PR_TASK_QUEUE, workflowId, args: [pr] });
  run.workflowId = workflowId;
  printStarted(context, 'pullRequestMerged', workflowId, GITHUB_PR_TASK_QUEUE);
  print(`the workflow waits with waitForWebhook({ source: 'github', event: 'pull_request', key: '${pr.repo}#${pr.number}', mode: 'stream', until: closed })`);

  await sleep(STEP_MS);
  const pushed = await send({ action: 'synchronize', sender: 'dana' });
  await send({ action: 'synchronize', sender: 'dana' }, pushed, ', redelivered');
  await sleep(STEP_MS);
  await send({ action: 'closed', sender: 'lee', merged: { by: 'lee', commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' } }, randomUUID(), ' (merged)');

  const result = await resultOf<PullRequestOutcome>(handle, 'github-pr');
  if (result.status !== 'merged') {
    print(`workflow completed, but not merged: ${JSON.stringify(result)}`);
    return 1;
  }
  print(`workflow completed: merged by ${result.mergedBy} as ${result.mergeCommit?.slice(0, 7)}`);
  console.log(`    events the workflow saw, in order: ${result.actions.join(', ')} (the redelivery counted once)`);
  return 0;
}

runDemo(gitHubPrDemo);
