import { connectDemo, print, printStarted, resultOf, runDemo, runWorkerUntilCleanup, webhookSecretOf, type DemoRun } from '../demo-support';
import { clickButton, startSlackWebApi, type PostedMessage } from './slack-stand-in';
import { createSlackApprovalWorker, SLACK_APPROVAL_TASK_QUEUE } from './worker';
import type { SlackApprovalInput, SlackApprovalResult, slackApproval } from './workflows';

/**
 * `npm run demo -- slack`: runs the `slackApproval` example end to end against `npm start`. The
 * demo runs the example's worker and plays Slack: its Web API receives the message with Approve
 * and Reject buttons that the workflow's activity posts, and two seconds later someone "clicks"
 * Approve: a `block_actions` request signed with the `slack` source's signing secret, sent to the
 * gateway's `/webhooks/slack` as Slack would. The workflow resumes with who clicked what.
 */

/** How long after the message is posted the stand-in user clicks. */
const CLICK_AFTER_MS = 2_000;
/** The stand-in user who clicks. */
const CLICKER = 'U0DANA';

const REQUEST: SlackApprovalInput = { channel: 'C0DEPLOYS', text: 'Deploy *billing-api v2.14.0* to production?', timeout: '5 minutes' };

async function slackDemo(run: DemoRun): Promise<number> {
  const context = await connectDemo(run, 'slack');
  const signingSecret = await webhookSecretOf('slack');
  const webhookUrl = `${context.gatewayUrl}/webhooks/slack`;

  const click = async (message: PostedMessage) => {
    const approve = message.buttons.find((button) => button.actionId === 'approve');
    if (!approve) return print(`Slack: the message has no approve button: ${JSON.stringify(message.buttons)}`);
    await new Promise((resolve) => setTimeout(resolve, CLICK_AFTER_MS));
    print(`Slack: ${CLICKER} clicks Approve; posting the signed block_actions request to ${webhookUrl}`);
    const response = await clickButton(webhookUrl, signingSecret, { actionId: 'approve', value: approve.value, user: CLICKER, messageTs: message.ts, channel: message.channel });
    print(`Slack: the gateway answered ${response.status}${response.status === 200 ? ' (Slack wants a 200 within 3 s)' : `: ${await response.text()}`}`);
  };
  const slack = await startSlackWebApi({
    onMessage: (message) => {
      print(`Slack: message posted to ${message.channel}: "${message.text}" with buttons ${message.buttons.map((b) => `${b.actionId} (value ${b.value})`).join(', ')}`);
      click(message).catch((err: unknown) => print(`Slack: the click failed: ${String(err)}`));
    },
  });
  run.cleanups.push(() => slack.close());
  print(`stand-in Slack Web API listening on ${slack.url}`);

  print(`starting the example's worker on task queue '${SLACK_APPROVAL_TASK_QUEUE}' (bundling its workflow takes a few seconds)`);
  const worker = await createSlackApprovalWorker({ connection: context.workerConnection, namespace: context.temporal.namespace, slackApiUrl: slack.url, slackToken: 'xoxb-stand-in' });
  runWorkerUntilCleanup(run, worker);

  const workflowId = `slack-approval-demo-${Date.now()}`;
  const handle = await context.client.workflow.start<typeof slackApproval>('slackApproval', { taskQueue: SLACK_APPROVAL_TASK_QUEUE, workflowId, args: [REQUEST] });
  run.workflowId = workflowId;
  printStarted(context, 'slackApproval', workflowId, SLACK_APPROVAL_TASK_QUEUE);
  print('the workflow posts the question with two buttons whose value is its key, then waits for the click with waitForWebhook');

  const result = await resultOf<SlackApprovalResult>(handle, 'slack');
  if (result.status === 'timed_out') {
    print('workflow completed without a click (timed out)');
    return 1;
  }
  print(`workflow completed: ${result.status} by ${result.by} (click received by the gateway at ${result.clickedAt})`);
  return 0;
}

runDemo(slackDemo);
