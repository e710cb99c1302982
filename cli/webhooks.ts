import { WorkflowNotFoundError } from '@temporalio/client';
import { webhookMailboxId } from '../protocol/webhook-ids';
import { webhookMailboxQuery } from '../protocol/definitions';
import type { WebhookMailboxView } from '../protocol/webhook-messages';
import { args, CliUsageError, positionals, printTable, withClient } from './command-support';

/** Usage of the `webhooks` commands. */
export const WEBHOOKS_USAGE = `Inspect webhook mailboxes (Temporal settings from TEMPORAL_* variables).

Usage:
durable-callbacks webhooks show <source> <key> [--json]
  The mailbox of one (source, key): the events it holds for waits that begin later (delivery id,
  event type, received, held until) and the waits it serves (workflow, callback, event, mode).
`;

/** What `webhooks show` reports: the mailbox's id and status (`NONE` when it never ran or is gone), and its view. */
export interface MailboxReport extends WebhookMailboxView {
  mailboxId: string;
  status: string;
}

async function mailboxReport(source: string, key: string): Promise<MailboxReport> {
  const mailboxId = webhookMailboxId(source, key);
  return withClient(async (client) => {
    const handle = client.workflow.getHandle(mailboxId);
    try {
      const { status } = await handle.describe();
      return { mailboxId, status: status.name, ...(await handle.query(webhookMailboxQuery)) };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      return { mailboxId, status: 'NONE', source, key, events: [], subscribers: [] };
    }
  });
}

function printReport(report: MailboxReport): void {
  process.stdout.write(`Mailbox ${report.mailboxId} (${report.status})\n`);
  process.stdout.write(`Events held: ${report.events.length}\n`);
  if (report.events.length > 0) printTable([['DELIVERY', 'EVENT', 'RECEIVED', 'HELD UNTIL'], ...report.events.map((e) => [e.deliveryId, e.event, e.receivedAt, e.heldUntil])]);
  process.stdout.write(`Waits served: ${report.subscribers.length}\n`);
  if (report.subscribers.length > 0) {
    printTable([['WORKFLOW', 'CALLBACK', 'EVENT', 'MODE', 'EXPIRES'], ...report.subscribers.map((s) => [s.workflowId, s.callbackId, s.event ?? '*', s.mode, s.expiresAt])]);
  }
}

/** Runs `webhooks <command>` and returns the exit code: 0 done, 1 failed, 2 usage error. */
export async function webhooksCommand(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'show') throw new CliUsageError(command ? `Unknown webhooks command '${command}'.` : 'No webhooks command given.');
  const { values, positionals: given } = args(rest, {});
  const [source, key] = positionals(given, ['source', 'key']);
  const report = await mailboxReport(source!, key!);
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(report);
  return 0;
}
