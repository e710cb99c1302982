import { findWebhookArm, type WebhookArm, type WebhookArmResult, type WebhookLatencyResult } from '../webhook-latency';
import type { HistoryCost } from './history-cost';
import { met, ms, row } from './markdown';
import { fixed, ratio } from './stats';

/** The report's parts for the provider webhook benchmark (`BENCH_ONLY=webhooks`). */

const ARM_NAMES: Record<WebhookArm, string> = {
  'callback-url': 'callback URL',
  webhook: 'webhook, wait first',
  'webhook-early': 'webhook, event first (held)',
};

/** CPU ms per event by process, and their total. */
function cpuCell(a: WebhookArmResult): string {
  const c = (name: string) => a.cpuMs[name] ?? NaN;
  const total = Object.values(a.cpuMs).reduce((sum, v) => sum + v, 0);
  return `${fixed(c('temporal'), 1)} / ${fixed(c('gateway'), 2)} / ${fixed(c('worker'), 1)} / ${fixed(c('driver'), 1)} = ${fixed(total, 1)}`;
}

/** `events / bytes` of a history cost. */
const size = (cost: HistoryCost | undefined): string => (cost ? `${fixed(cost.events, 0)} / ${fixed(cost.bytes, 0)}` : '–');

/** `+3 / +1,234` against the callback URL's. */
function sizeDelta(cost: HistoryCost, base: HistoryCost | undefined): string {
  if (!base) return '';
  const signed = (v: number) => `${v < 0 ? '−' : '+'}${fixed(Math.abs(v), 0)}`;
  return `${signed(cost.events - base.events)} / ${signed(cost.bytes - base.bytes)}`;
}

/** The summary table's rows: the webhook's resume p50 and p99 against the callback URL's, the held event's, and the lost check. */
export function webhookSummaryRows(r: WebhookLatencyResult): string[] {
  const url = findWebhookArm(r, 'callback-url');
  const webhook = findWebhookArm(r, 'webhook');
  const early = findWebhookArm(r, 'webhook-early');
  const lines: string[] = [];
  if (url && webhook) {
    lines.push(row(['webhooks', 'Resume through `/webhooks/github`, p50', `webhook ${ms(webhook.resume.p50)}`, `callback URL ${ms(url.resume.p50)}`, `gateway CPU ${fixed(webhook.cpuMs.gateway ?? NaN, 2)} vs ${fixed(url.cpuMs.gateway ?? NaN, 2)} ms per event`, ratio(r.ratios.webhook.p50), '(info)', '']));
    lines.push(row(['webhooks', '… p99', `webhook ${ms(webhook.resume.p99)}`, `callback URL ${ms(url.resume.p99)}`, '', ratio(r.ratios.webhook.p99), '(info)', '']));
  }
  if (url && early) {
    const held = early.history.held;
    lines.push(row(['webhooks', 'Event held for a later wait: wait begins → next step, p50', `held ${ms(early.resume.p50)}`, `callback URL ${ms(url.resume.p50)}`, held ? `holding it: ${size(held)} history events / bytes (mailbox + event workflow)` : '', ratio(r.ratios.early.p50), '(info)', '']));
  }
  const o = r.resumedOnce;
  lines.push(row(['webhooks', 'Every workflow resumed exactly once', `${o.once} of ${o.workflows}`, '', `lost ${o.lost}, not received ${o.notReceived}, delivered twice ${o.duplicated}`, '', '0 lost', met(o.once === o.workflows)]));
  return lines;
}

/** The history of a delivered event, per arm: sizes, then the operations Temporal recorded. */
function historyRows(r: WebhookLatencyResult): string[] {
  const base = findWebhookArm(r, 'callback-url')?.history.total;
  return [
    row(['Arm', 'workflow: events / bytes', 'mailbox: events / bytes', 'event workflow: events / bytes', 'total: events / bytes', 'vs callback URL', 'starts', 'signals received', 'updates', 'signals sent', 'workflow tasks', 'activities', 'local activities', 'timers']),
    row(Array(14).fill('---')),
    ...r.arms.map((a) => {
      const t = a.history.total;
      return row([
        ARM_NAMES[a.arm],
        size(a.history.waiter),
        size(a.history.mailbox),
        size(a.history.event),
        size(t),
        a.arm === 'callback-url' ? '' : sizeDelta(t, base),
        ...[t.starts, t.signals, t.updates, t.signalsSent, t.workflowTasks, t.activities, t.localActivities, t.timers].map((v) => fixed(v, 0)),
      ]);
    }),
  ];
}

/** The webhook benchmark's section: latency and CPU per arm, where the time goes, what each delivered event costs in history. */
export function webhookSection(r: WebhookLatencyResult): string[] {
  const o = r.options;
  const idle = Object.entries(r.idleCpuMsPerSecond).map(([name, v]) => `${name} ${fixed(v, 1)}`).join(', ');
  const early = findWebhookArm(r, 'webhook-early');
  const held = early?.history.held;
  const once = r.resumedOnce;
  return [
    '### Provider webhooks: `/webhooks/:source` against a callback URL',
    '',
    `${o.samples} sequential samples per arm after ${o.warmup} warm-up, the arms interleaved sample by sample (rotating which goes first), ${o.gapMs} ms apart, each on a fresh workflow with its own key, on the tuned dev server. ` +
      `One gateway process serves both the callback URLs and \`/webhooks/${r.provider.source}\` (a \`${r.provider.source}\` source in its sources file); one worker process runs the waits and the mailboxes. ` +
      `The sender POSTs \`${r.provider.event}\` events signed as GitHub signs them (\`@octokit/webhooks-methods\`, signed before the clock starts) on the same keep-alive agent as the callbacks. ` +
      `Resume = the sender starts sending → the next step (${o.next === 'activity' ? 'a regular activity' : 'a local activity'}) runs, stamped in the worker; for the held event, the wait's beginning (stamped in the worker just before \`createWebhookWait\`, the event already in its mailbox) → the next step. ms:`,
    '',
    row(['Arm', 'n', 'p50', 'p95', 'p99', 'max', 'sender answered p50 / p99', 'CPU ms per event: Temporal / gateway / worker / driver = total']),
    row(Array(8).fill('---')),
    ...r.arms.map((a) => row([ARM_NAMES[a.arm], a.resume.n, fixed(a.resume.p50), fixed(a.resume.p95), fixed(a.resume.p99), fixed(a.resume.max), `${fixed(a.answer.p50)} / ${fixed(a.answer.p99)}`, cpuCell(a)])),
    '',
    `Same run, webhook ÷ callback URL: p50 ${ratio(r.ratios.webhook.p50)}, p99 ${ratio(r.ratios.webhook.p99)}; held event (from the wait's beginning) ÷ callback URL (from the send): p50 ${ratio(r.ratios.early.p50)}, p99 ${ratio(r.ratios.early.p99)}. ` +
      `Resumed exactly once: ${once.once} of ${once.workflows} workflows (warm-up included); lost ${once.lost}, ended other than \`received\` ${once.notReceived}, reached by more than one delivery signal ${once.duplicated}.`,
    '',
    `CPU is counted per sample from the send until the workflow completed and its history was read back and, for the webhooks, until its mailbox had no task left (its history read a few ms apart); the held event's window also holds its workflow's start, since its wait begins after the event is held. ` +
      `The gateway's figure is its own count (\`process.cpuUsage()\`, µs; less ${fixed(r.gatewayReadUs, 0)} µs per sample for reading it), the others' from /proc (10 ms ticks, so averages over the samples); each process's use at rest, measured before the first sample, is subtracted (CPU ms per second, each process's median second: ${idle}). ` +
      `Over the ${fixed(r.cpu.wall, 0)} s of this benchmark the machine was ${fixed(100 * r.cpu.machineBusy, 0)} % busy; processes not ours used ${fixed(r.cpu.others, 1)} CPU-s.`,
    '',
    "Where the time goes: ms after the send (held event: after the wait began) at which the server recorded each signal on the way and the completion of the waiting workflow's task that ended the wait (which sends the next step's command), then the next step ran, p50 (p90):",
    '',
    row(['Arm', 'Point', 'ms, p50 (p90)']),
    row(['---', '---', '---']),
    ...r.arms.flatMap((a) => a.path.map((p, k) => row([k === 0 ? ARM_NAMES[a.arm] : '', p.label, `${fixed(p.at.p50, 1)} (${fixed(p.at.p90, 1)})`]))),
    '',
    `What one delivered event leaves in Temporal, medians over the samples: the waiting workflow's whole history (its start, minting or subscribing, the wait, the next step), the mailbox's once it settled (each sample has its own key, so its own mailbox: the subscription, the event, the delivery, the unsubscription, its timer), the event's own \`webhookEvent\` workflow's, and the operations they record (of the total):`,
    '',
    ...historyRows(r),
    '',
    held
      ? `Holding an event for a wait that begins later costs, before any wait: ${size(held)} history events / bytes in all (${fixed(held.starts, 0)} starts, ${fixed(held.updates, 0)} update, ${fixed(held.workflowTasks, 0)} workflow tasks, ${fixed(held.localActivities, 0)} local activities, ${fixed(held.timers, 0)} timers); ` +
        `its \`webhookEvent\` workflow ${size(early?.history.heldEvent)}, its mailbox ${size(early?.history.heldMailbox)}. Both keep running until the hold ends.`
      : '',
  ];
}
