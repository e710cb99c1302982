import escapeHtml from 'escape-html';
import type { ApprovalAction, ApprovalInitiator, VerifiedApprover } from '../../protocol/approval-messages';
import { formatTime, layout } from '../html-pages';
import type { InboxEntry } from './list-inbox';

/**
 * The inbox page (`GET /inbox` from a browser): every open approval the signed-in person may
 * decide, each with its action, who asked and when, its deadline, the votes so far, and Approve /
 * Reject buttons that post to `/inbox/<workflow id>/<callback id>` with the session's CSRF token
 * for that approval. The same layout, style, CSP and escaping as the other pages: no script,
 * nothing loaded from anywhere, everything from data escaped.
 */

/** What the inbox page shows. */
export interface InboxView {
  person: VerifiedApprover;
  entries: ReadonlyArray<InboxEntry & { csrf: string; decideHref: string }>;
  /** Some workflows could not be read in time: their approvals may be missing. */
  incomplete: boolean;
  /** The decision just recorded, to say so above the list. */
  voted?: 'approve' | 'reject' | 'delegate';
  /** The out-of-office form's target and CSRF token, when the gateway serves `/inbox/delegation`. */
  delegation?: { href: string; csrf: string };
}

function detailValue(value: unknown): string {
  return escapeHtml(typeof value === 'string' ? value : JSON.stringify(value) ?? '');
}

function details(action: ApprovalAction): string {
  const rows = Object.entries(action.details ?? {}).map(([name, value]) => `<tr><th scope="row">${escapeHtml(name)}</th><td>${detailValue(value)}</td></tr>`);
  return rows.length > 0 ? `<table class="details">${rows.join('')}</table>` : '';
}

function whoAsked(initiator: ApprovalInitiator | undefined): string {
  if (!initiator) return 'Asked';
  const who = initiator.email ?? initiator.subject ?? initiator.slackUserId ?? 'someone';
  return `Asked by <strong class="initiator">${escapeHtml(who)}</strong>`;
}

function when(iso: string | undefined): string {
  const time = iso === undefined ? NaN : Date.parse(iso);
  return Number.isNaN(time) ? '' : escapeHtml(formatTime(new Date(time)));
}

function renderEntry(entry: InboxView['entries'][number]): string {
  const { action, votes } = entry;
  const asked = `${whoAsked(entry.initiator)} ${when(entry.requestedAt) ? `on ${when(entry.requestedAt)}` : ''}`.trim();
  const deadline = entry.deadline ? ` Decide by ${when(entry.deadline)}.` : '';
  return [
    `<section class="approval" id="approval-${escapeHtml(entry.callbackId)}">`,
    `<h2>${escapeHtml(action.title)}</h2>`,
    ...(action.summary ? [`<p class="description">${escapeHtml(action.summary)}</p>`] : []),
    details(action),
    `<p class="meta">${asked}.${deadline} Votes so far: ${votes.approvals} of ${votes.quorum} approvals, ${votes.rejections} of ${votes.rejectQuorum} rejections.</p>`,
    ...(entry.onBehalfOf ? [`<p class="note on-behalf-of">Handed to you by <strong>${escapeHtml(entry.onBehalfOf.name ?? entry.onBehalfOf.email ?? entry.onBehalfOf.subject)}</strong>: you decide on their behalf.</p>`] : []),
    `<form method="post" action="${escapeHtml(entry.decideHref)}" enctype="application/x-www-form-urlencoded">`,
    '<button type="submit" disabled hidden></button>',
    `<input type="hidden" name="csrf" value="${escapeHtml(entry.csrf)}">`,
    `<input type="hidden" name="actionDigest" value="${escapeHtml(entry.actionDigest)}">`,
    `<input type="hidden" name="executionChain" value="${escapeHtml(entry.executionChain)}">`,
    `<div class="field"><label for="comment-${escapeHtml(entry.callbackId)}">Comment <span class="required">(why; at most 2000 characters)</span></label>`,
    `<textarea id="comment-${escapeHtml(entry.callbackId)}" name="comment" rows="2" maxlength="2000"></textarea></div>`,
    '<div class="actions">',
    '<button type="submit" name="decision" value="approve" class="approve">Approve</button>',
    '<button type="submit" name="decision" value="reject" class="reject">Reject</button>',
    '</div>',
    // A delegate holds someone else's say and cannot hand it on, so only an approver in their own right is offered the hand-off.
    ...(entry.onBehalfOf
      ? []
      : [
          `<div class="field"><label for="delegate-${escapeHtml(entry.callbackId)}">Or hand it to someone else (their email)</label>`,
          `<input type="email" id="delegate-${escapeHtml(entry.callbackId)}" name="delegateTo" maxlength="320"></div>`,
          '<div class="actions"><button type="submit" name="decision" value="delegate" class="delegate">Hand over</button></div>',
        ]),
    '</form>',
    '</section>',
  ].join('\n');
}

function whoIs(person: VerifiedApprover): string {
  if (person.name && person.email) return `${person.name} (${person.email})`;
  return person.name ?? person.email ?? person.subject;
}

/** The inbox page. */
export function renderInboxPage(view: InboxView): string {
  const heading = 'Approvals waiting for you';
  const parts = [`<h1>${heading}</h1>`, `<p>Signed in as <strong id="signed-in-as">${escapeHtml(whoIs(view.person))}</strong>.</p>`];
  if (view.voted) parts.push(`<p class="note" id="voted">Your ${view.voted === 'approve' ? 'approval' : view.voted === 'reject' ? 'rejection' : 'hand-off'} was recorded.</p>`);
  if (view.incomplete) parts.push('<p class="note">Some requests could not be loaded right now; reload the page in a moment.</p>');
  if (view.entries.length === 0) parts.push('<p id="inbox-empty">Nothing is waiting for your decision.</p>');
  parts.push(...view.entries.map(renderEntry));
  if (view.delegation) {
    parts.push(
      [
        '<section class="out-of-office" id="out-of-office">',
        '<h2>Out of office</h2>',
        '<p class="meta">Name someone to decide for you until a date: they may vote on your behalf on what you may decide, never on your own requests.</p>',
        `<form method="post" action="${escapeHtml(view.delegation.href)}" enctype="application/x-www-form-urlencoded">`,
        `<input type="hidden" name="csrf" value="${escapeHtml(view.delegation.csrf)}">`,
        '<div class="field"><label for="ooo-to">Delegate (their email)</label><input type="email" id="ooo-to" name="to" maxlength="320" required></div>',
        '<div class="field"><label for="ooo-until">Until</label><input type="date" id="ooo-until" name="until" required></div>',
        '<div class="actions"><button type="submit">Name delegate</button></div>',
        '</form>',
        '</section>',
      ].join('\n'),
    );
  }
  return layout(heading, parts.join('\n'));
}
