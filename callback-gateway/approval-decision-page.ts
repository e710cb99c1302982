import escapeHtml from 'escape-html';
import type { ApprovalAction, VerifiedApprover } from '../protocol/approval-messages';
import { formatTime, layout } from './html-pages';

/**
 * The approval page of an approval's URL (a token with `apv`): the action, its digest, and how
 * this person may decide: sign in first, as who they signed in as, or as anyone holding the link.
 * Built from the same layout, style and escaping as the other pages (`html-pages.ts`): no
 * script, nothing loaded from anywhere, everything from data escaped.
 */

/** Who is looking at the page, as far as deciding goes. */
export type ApprovalVoter =
  /** An approval that takes link holders' votes: anyone with the link can decide. */
  | { kind: 'link-holder' }
  /** Sign-in required and not (validly, or recently enough) done: the page links to it. */
  | { kind: 'sign-in'; signInHref: string; reason?: 'invalid' | 'too-old' }
  /** Signed in: the buttons, with the CSRF token derived for this session and callback. */
  | { kind: 'signed-in'; approver: VerifiedApprover; csrf: string };

/** What the approval decision page shows. */
export interface ApprovalDecisionView {
  action: ApprovalAction;
  /** The digest the URL's token binds: posted back with the vote. */
  actionDigest: string;
  /** The workflow's current digest, when it reported one; a different one means the action changed since the link was made. */
  currentDigest?: string;
  expiresAt: Date;
  /** The workflow's own details could not be read (no worker answered). */
  detailsUnavailable?: boolean;
  voter: ApprovalVoter;
}

function detailValue(value: unknown): string {
  return escapeHtml(typeof value === 'string' ? value : JSON.stringify(value) ?? '');
}

function renderDetails(details: ApprovalAction['details']): string[] {
  if (!details || typeof details !== 'object') return [];
  const rows = Object.entries(details).map(([name, value]) => `<tr><th scope="row">${escapeHtml(name)}</th><td>${detailValue(value)}</td></tr>`);
  return rows.length > 0 ? [`<table class="details">${rows.join('')}</table>`] : [];
}

/** Who the person signed in as, for "Signed in as …": name and email when the provider gave them, else the subject. */
function whoIs(approver: VerifiedApprover): string {
  if (approver.name && approver.email) return `${approver.name} (${approver.email})`;
  return approver.name ?? approver.email ?? approver.subject;
}

function decisionForm(view: ApprovalDecisionView, csrf?: string): string[] {
  return [
    '<form method="post" enctype="application/x-www-form-urlencoded">',
    // A disabled first submit button keeps Enter in a field from submitting (which would approve).
    '<button type="submit" disabled hidden></button>',
    ...(csrf ? [`<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">`] : []),
    `<input type="hidden" name="actionDigest" value="${escapeHtml(view.actionDigest)}">`,
    '<div class="field"><label for="comment">Comment <span class="required">(why; at most 2000 characters)</span></label>',
    '<textarea id="comment" name="comment" rows="4" maxlength="2000"></textarea></div>',
    '<div class="actions">',
    '<button type="submit" name="decision" value="approve" class="approve">Approve</button>',
    '<button type="submit" name="decision" value="reject" class="reject">Reject</button>',
    '</div>',
    // A hand-off names a person, so only a signed-in approver (with a CSRF token) is offered it.
    ...(csrf
      ? [
          '<div class="field"><label for="delegateTo">Or hand it to someone else (their email)</label>',
          '<input type="email" id="delegateTo" name="delegateTo" maxlength="320"></div>',
          '<div class="actions"><button type="submit" name="decision" value="delegate" class="delegate">Hand over</button></div>',
        ]
      : []),
    '</form>',
  ];
}

/** The approval page of an approval's URL. */
export function renderApprovalDecisionPage(view: ApprovalDecisionView): string {
  const title = view.action.title || 'Your approval is requested';
  const parts = [`<h1>${escapeHtml(title)}</h1>`];
  if (view.action.summary) parts.push(`<p class="description">${escapeHtml(view.action.summary)}</p>`);
  parts.push(...renderDetails(view.action.details));
  if (view.detailsUnavailable) parts.push('<p class="note">The details of this request could not be loaded right now.</p>');
  if (view.currentDigest !== undefined && view.currentDigest !== view.actionDigest) {
    parts.push('<p class="note">The action was changed after this link was made: a vote through this link will be refused. Ask for the new link.</p>');
  }
  const { voter } = view;
  if (voter.kind === 'sign-in') {
    const why = voter.reason === 'too-old' ? 'This approval needs a recent sign-in. ' : voter.reason === 'invalid' ? 'Your sign-in has expired. ' : '';
    parts.push(`<p>${why}Only people who sign in can decide.</p>`, `<p><a class="sign-in" href="${escapeHtml(voter.signInHref)}">Sign in to decide</a></p>`);
  } else if (voter.kind === 'signed-in') {
    parts.push(`<p>Signed in as <strong id="signed-in-as">${escapeHtml(whoIs(voter.approver))}</strong>.</p>`, ...decisionForm(view, voter.csrf));
  } else {
    parts.push('<p class="note">Anyone with this link can decide: nobody is asked to sign in, so the decision records no person.</p>', ...decisionForm(view));
  }
  parts.push(
    `<p class="meta">Action digest <code id="action-digest" title="${escapeHtml(view.actionDigest)}">${escapeHtml(view.actionDigest.slice(0, 12))}</code>. ` +
      `This link expires ${escapeHtml(formatTime(view.expiresAt))}. Do not forward it.</p>`,
  );
  return layout(title, parts.join('\n'));
}
