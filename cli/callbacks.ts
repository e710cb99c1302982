import type { Duration } from '@temporalio/common';
import { CallbackReissueRefusedError, completeCallback, failCallback, listCallbacks, reissueCallback } from '../client';
import type { CallbackInfo } from '../protocol/callback-messages';
import { args, CliUsageError, positionals, printTable, withClient } from './command-support';

/** Usage of the `callbacks` commands. */
export const CALLBACKS_USAGE = `Inspect and operate callbacks (Temporal settings from TEMPORAL_* variables).

Usage:
durable-callbacks callbacks list [--json] [--limit <n>]
  Pending callbacks across workflows marked DurableCallbacksWaiting (see README); webhook waits
  show their source, event type and key (see also: durable-callbacks webhooks show).
durable-callbacks callbacks show <workflowId> [--json]
  Every callback of one workflow: status, deliveries, progress, refusals.
durable-callbacks callbacks complete <workflowId> <callbackId> --data <json> [--delivery-id <id>]
durable-callbacks callbacks fail <workflowId> <callbackId> --message <text> [--type <type>] [--delivery-id <id>]
  Operator override: complete or fail a callback by hand, durably (a signal).
durable-callbacks callbacks reissue <workflowId> <callbackId> [--link-expires-in <duration>]
  Mint a new URL for the same wait and print it; the old URL is refused from then on
  (410 CALLBACK_LINK_REPLACED). Deliveries and votes are kept. Needs a running worker (an update).
durable-callbacks callbacks send <url> [--data <json>] [--fail | --heartbeat] [--api-key <key>] [--wait <seconds>] [--idempotency-key <key>]
  Act as a sender: POST to a callback URL and print the gateway's answer.
`;

function json(text: string | undefined, option: string): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new CliUsageError(`${option} must be JSON, e.g. '{"decision":"approve"}'.`);
  }
}

/** What a webhook wait waits for, as `source event key` (`*` for any event type). */
function webhookOf(info: CallbackInfo): string {
  return info.webhook ? `${info.webhook.source} ${info.webhook.event ?? '*'} ${info.webhook.key}` : '-';
}

function printCallbacks(rows: Array<{ workflowId: string; info: CallbackInfo }>): void {
  if (rows.length === 0) return void process.stdout.write('No callbacks.\n');
  printTable([
    ['WORKFLOW', 'CALLBACK', 'LABEL', 'WEBHOOK (SOURCE EVENT KEY)', 'STATUS', 'DELIVERIES', 'EXPIRES'],
    ...rows.map(({ workflowId, info }) => [workflowId, info.id, info.label ?? '-', webhookOf(info), info.status, String(info.deliveries), info.expiresAt]),
  ]);
}

async function send(argv: string[]): Promise<number> {
  const { values, positionals: given } = args(argv, {
    data: { type: 'string' },
    fail: { type: 'boolean' },
    heartbeat: { type: 'boolean' },
    'api-key': { type: 'string' },
    wait: { type: 'string' },
    'idempotency-key': { type: 'string' },
  });
  const [target] = positionals(given, ['url']);
  if (!URL.canParse(target!)) throw new CliUsageError(`'${target}' is not a URL.`);
  if (values.fail && values.heartbeat) throw new CliUsageError('--fail and --heartbeat exclude each other.');
  const url = new URL(target!);
  if (values.fail || values.heartbeat) url.pathname = `${url.pathname.replace(/\/$/, '')}/${values.fail ? 'fail' : 'heartbeat'}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (values['api-key']) headers['x-api-key'] = values['api-key'];
  if (values.wait) headers.prefer = `wait=${values.wait}`;
  if (values['idempotency-key']) headers['idempotency-key'] = values['idempotency-key'];
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(json(values.data, '--data')), signal: AbortSignal.timeout(60_000) });
  const text = await response.text();
  if (values.json) process.stdout.write(`${JSON.stringify({ status: response.status, body: safeJson(text) })}\n`);
  else process.stdout.write(`${response.status} ${text}\n`);
  return response.ok ? 0 : 1;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function reissue(argv: string[]): Promise<number> {
  const { values, positionals: given } = args(argv, { 'link-expires-in': { type: 'string' } });
  const [workflowId, callbackId] = positionals(given, ['workflowId', 'callbackId']);
  const linkExpiresIn = values['link-expires-in'];
  try {
    const reissued = await withClient((client) => reissueCallback(client, workflowId!, callbackId!, linkExpiresIn === undefined ? {} : { linkExpiresIn: linkExpiresIn as Duration }));
    if (values.json) process.stdout.write(`${JSON.stringify({ workflowId, ...reissued })}\n`);
    else process.stdout.write(`${reissued.url}\n`);
    process.stderr.write(`Reissued callback ${callbackId} of ${workflowId}: link ${reissued.link}, expires ${reissued.expiresAt}. The previous URL is refused from now on.\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof CallbackReissueRefusedError)) throw err;
    process.stderr.write(`Not reissued (${err.code}): ${err.message}\n`);
    return 1;
  }
}

/** Runs `callbacks <command>` and returns the exit code: 0 done, 1 failed, 2 usage error. */
export async function callbacksCommand(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'list': {
      const { values } = args(rest, { limit: { type: 'string' } });
      const limit = values.limit === undefined ? 100 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliUsageError('--limit must be a positive whole number.');
      const rows = await withClient(async (client) => {
        const found: Array<{ workflowId: string; info: CallbackInfo }> = [];
        for await (const workflow of client.workflow.list({ query: "DurableCallbacksWaiting = true AND ExecutionStatus = 'Running'" })) {
          for (const info of await listCallbacks(client, workflow.workflowId).catch(() => [])) {
            if (info.status === 'pending') found.push({ workflowId: workflow.workflowId, info });
          }
          if (found.length >= limit) break;
        }
        return found.slice(0, limit);
      });
      if (values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else printCallbacks(rows);
      return 0;
    }
    case 'show': {
      const { values, positionals: given } = args(rest, {});
      const [workflowId] = positionals(given, ['workflowId']);
      const infos = await withClient((client) => listCallbacks(client, workflowId!));
      if (values.json) process.stdout.write(`${JSON.stringify(infos, null, 2)}\n`);
      else printCallbacks(infos.map((info) => ({ workflowId: workflowId!, info })));
      return 0;
    }
    case 'complete':
    case 'fail': {
      const { values, positionals: given } = args(rest, { data: { type: 'string' }, message: { type: 'string' }, type: { type: 'string' }, 'delivery-id': { type: 'string' } });
      const [workflowId, callbackId] = positionals(given, ['workflowId', 'callbackId']);
      const options = values['delivery-id'] ? { deliveryId: values['delivery-id'] } : {};
      const deliveryId = await withClient((client) => {
        if (command === 'complete') return completeCallback(client, workflowId!, callbackId!, json(values.data, '--data'), options);
        if (!values.message) throw new CliUsageError('fail needs --message <text>.');
        return failCallback(client, workflowId!, callbackId!, { message: values.message, ...(values.type ? { type: values.type } : {}) }, options);
      });
      if (values.json) process.stdout.write(`${JSON.stringify({ workflowId, callbackId, deliveryId })}\n`);
      else process.stdout.write(`Delivered ${command} to callback ${callbackId} of ${workflowId} (delivery ${deliveryId}).\n`);
      return 0;
    }
    case 'reissue':
      return reissue(rest);
    case 'send':
      return send(rest);
    default:
      throw new CliUsageError(command ? `Unknown callbacks command '${command}'.` : 'No callbacks command given.');
  }
}
