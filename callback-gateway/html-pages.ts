import { createHash } from 'node:crypto';
import escapeHtml from 'escape-html';
import type { Response } from 'express';
import helmet from 'helmet';
import type { CallbackErrorCode } from '../protocol/errors';
import type { CallbackFormField, CallbackStatus } from '../protocol/callback-messages';
import type { ApprovalOutcome } from '../protocol/approval-messages';
import { headersSetBy } from './middleware/security-headers';

/**
 * The HTML a person sees at a callback URL: the approval page, the "already answered" page, the
 * thank-you page and error pages. Self-contained on purpose: no script, no external style, font,
 * image or link, because a capability URL would leak to any third party through `Referer`. The
 * only style is one inline `<style>` block, allowed by its hash in {@link APPROVAL_PAGE_CSP}.
 * Everything taken from data goes through escape-html, as text or as a double-quoted attribute
 * value (never in `<style>`, a URL or an unquoted attribute).
 */

const STYLE = [
  ':root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5}',
  'body{margin:0;padding:2rem 1rem;background:#f4f5f7;color:#1d2330}',
  'main{max-width:36rem;margin:0 auto;padding:1.5rem 2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15)}',
  'h1{font-size:1.4rem;margin:0 0 .75rem}',
  '.description{white-space:pre-wrap;margin:0 0 1rem}',
  '.note{padding:.5rem .75rem;background:#fff6d6;border-radius:4px}',
  '.field{margin:0 0 1rem}',
  '.field label{display:block;font-weight:600;margin:0 0 .25rem}',
  '.required{font-weight:400;color:#5c6370}',
  'input,select,textarea{box-sizing:border-box;width:100%;padding:.45rem;font:inherit;border:1px solid #9aa1ad;border-radius:4px}',
  'textarea{min-height:6rem}',
  '.actions{display:flex;gap:.75rem;margin:1.25rem 0 0}',
  'button{font:inherit;font-weight:600;padding:.55rem 1.4rem;border:0;border-radius:4px;cursor:pointer;color:#fff}',
  'button.approve{background:rgb(26, 127, 55)}',
  'button.reject{background:rgb(176, 32, 32)}',
  '.meta{margin:1.5rem 0 0;font-size:.85rem;color:#5c6370}',
  'table.details{border-collapse:collapse;margin:0 0 1rem;width:100%}table.details th,table.details td{text-align:left;vertical-align:top;padding:.25rem .5rem;border-bottom:1px solid #d5d9e0}',
  'a.sign-in{display:inline-block;font-weight:600;padding:.55rem 1.4rem;border-radius:4px;background:#1d4ed8;color:#fff;text-decoration:none}',
  'code{font-size:1rem;background:#eef0f3;padding:.1rem .3rem;border-radius:3px}',
  '@media (prefers-color-scheme:dark){body{background:#15181e;color:#e4e6ea}main{background:#1f232b}.meta,.required{color:#a0a6b0}code{background:#2b3039}.note{background:#4a3f12}}',
].join('');

/** The CSP source that allows exactly the pages' one inline `<style>` block. */
export const PAGE_STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/**
 * The Content-Security-Policy of every HTML page, as helmet writes it: nothing may load or run
 * except the pages' own inline style (by hash); forms may only post back to the gateway; no
 * framing; no `<base>`. It replaces the stricter policy helmet sets on every answer
 * (security-headers.ts), which would block the style.
 */
export const APPROVAL_PAGE_CSP = headersSetBy(
  helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      styleSrc: [PAGE_STYLE_HASH],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
  }),
)['Content-Security-Policy']!;

/**
 * Headers of every HTML page, on top of the gateway's security headers (helmet's, which already
 * say `Referrer-Policy: no-referrer`, and `Cache-Control: no-store`): the page's CSP, no
 * indexing, and `Vary: Accept` since the URL also answers in JSON.
 */
export const APPROVAL_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': APPROVAL_PAGE_CSP,
  'X-Robots-Tag': 'noindex, nofollow',
  Vary: 'Accept',
};

/** The heading of the approval page when the workflow gave no `title` (or it could not be read). */
export const DEFAULT_PAGE_TITLE = 'Your answer is requested';

/** A whole page: `body` (already escaped HTML) in the pages' one layout, with the inline style the CSP allows. */
export function layout(pageTitle: string, body: string): string {
  return (
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    '<meta name="referrer" content="no-referrer">\n<meta name="robots" content="noindex, nofollow">\n' +
    `<title>${escapeHtml(pageTitle)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n<main>\n${body}\n</main>\n</body>\n</html>\n`
  );
}

/** A time as the pages show it: `2026-12-07 14:05 UTC`. */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Escapes any value as text; fields come from a workflow query, so nothing is assumed about their shape. */
function text(value: unknown): string {
  return escapeHtml(typeof value === 'string' ? value : String(value ?? ''));
}

function renderField(field: CallbackFormField, index: number): string {
  const id = `field-${index}`;
  const name = text(field.name);
  const required = field.required === true ? ' required' : '';
  const label = `<label for="${id}">${text(field.label)}${required ? ' <span class="required">(required)</span>' : ''}</label>`;
  let input: string;
  switch (field.type) {
    case 'textarea':
      input = `<textarea id="${id}" name="${name}" rows="4"${required}></textarea>`;
      break;
    case 'number':
      input = `<input id="${id}" name="${name}" type="number" step="any"${required}>`;
      break;
    case 'select': {
      const options = (Array.isArray(field.options) ? field.options : []).map((option) => `<option value="${text(option)}">${text(option)}</option>`).join('');
      input = `<select id="${id}" name="${name}"${required}><option value="">Choose…</option>${options}</select>`;
      break;
    }
    default:
      input = `<input id="${id}" name="${name}" type="text"${required}>`;
  }
  return `<div class="field">${label}${input}</div>`;
}

/** What the approval page shows. */
export interface ApprovalPageView {
  /** The callback's `title`; {@link DEFAULT_PAGE_TITLE} when absent. */
  title?: string;
  description?: string;
  form?: CallbackFormField[];
  /** When the URL stops being accepted (from the verified token). */
  expiresAt: Date;
  /** The workflow's own details could not be read (no worker answered); the page still lets the person answer. */
  detailsUnavailable?: boolean;
}

/**
 * The approval page: what is asked, the callback's form fields, and Approve / Reject buttons
 * that POST `decision=approve|reject` plus the fields as `application/x-www-form-urlencoded` to
 * the page's own URL (a form without `action` posts to the document URL, query string
 * included, so `?api_key=` keeps working behind any proxy path).
 */
export function renderApprovalPage(view: ApprovalPageView): string {
  const title = view.title || DEFAULT_PAGE_TITLE;
  const parts = [`<h1>${escapeHtml(title)}</h1>`];
  if (view.description) parts.push(`<p class="description">${escapeHtml(view.description)}</p>`);
  if (view.detailsUnavailable) {
    parts.push('<p class="note">The details of this request could not be loaded right now. You can still answer it.</p>');
  }
  parts.push(
    '<form method="post" enctype="application/x-www-form-urlencoded">',
    // The first submit button is the form's default: disabled, it keeps Enter in a text field
    // from submitting (which would otherwise approve).
    '<button type="submit" disabled hidden></button>',
    ...(view.form ?? []).map(renderField),
    '<div class="actions">',
    '<button type="submit" name="decision" value="approve" class="approve">Approve</button>',
    '<button type="submit" name="decision" value="reject" class="reject" formnovalidate>Reject</button>',
    '</div>',
    '</form>',
    `<p class="meta">This link expires ${escapeHtml(formatTime(view.expiresAt))}. Anyone who has it can answer: do not forward it.</p>`,
  );
  return layout(title, parts.join('\n'));
}

/** Why a request can no longer be answered: the callback's status, or the workflow's. */
export type ClosedReason = Exclude<CallbackStatus, 'pending'> | 'workflow_closed' | 'unknown_callback';

/** The heading of a decided approval's page, by its outcome. */
const APPROVAL_OUTCOME_HEADINGS: Record<ApprovalOutcome, string> = {
  approved: 'This request was approved',
  rejected: 'This request was rejected',
  timed_out: 'This request timed out without a decision',
  cancelled: 'This request was cancelled',
};

const CLOSED_MESSAGES: Record<ClosedReason, string> = {
  completed: 'An answer was already recorded. Nothing more is needed from you.',
  timed_out: 'The time to answer has passed.',
  revoked: 'The request was withdrawn.',
  failed: 'The task it belonged to ended with a failure.',
  workflow_closed: 'The process that asked has already finished.',
  unknown_callback: 'The process that asked no longer waits for this answer.',
};

/** The page for a callback that is no longer pending: what happened, and no buttons. */
export function renderClosedPage(view: { reason: ClosedReason; title?: string; outcome?: ApprovalOutcome }): string {
  const heading = view.outcome ? APPROVAL_OUTCOME_HEADINGS[view.outcome] : view.reason === 'completed' ? 'This request has already been answered' : 'This request is closed';
  const parts = [`<h1>${heading}</h1>`];
  if (view.title) parts.push(`<p class="description">${escapeHtml(view.title)}</p>`);
  if (view.outcome) parts.push(`<p>Outcome: <strong id="approval-outcome">${escapeHtml(view.outcome)}</strong>. Nothing more can be decided here.</p>`);
  parts.push(`<p>${CLOSED_MESSAGES[view.reason]}</p>`);
  return layout(heading, parts.join('\n'));
}

/** The page for a callback that only its sender system can answer (it requires a signature). */
export function renderSignedOnlyPage(): string {
  const heading = 'This request cannot be answered from a browser';
  return layout(heading, `<h1>${heading}</h1>\n<p>It accepts only signed answers from the system it was sent to.</p>`);
}

/** The answer to a browser's form submission that Temporal recorded. */
export function renderThankYouPage(view: { decision?: unknown } = {}): string {
  const heading = 'Thank you, your answer was recorded';
  const answered = view.decision === 'approve' ? 'Approve' : view.decision === 'reject' ? 'Reject' : view.decision === 'delegate' ? 'Handed to someone else' : undefined;
  const parts = [`<h1>${heading}</h1>`];
  if (answered) parts.push(`<p>You answered: <strong>${answered}</strong>.</p>`);
  parts.push('<p class="meta">You can close this page.</p>');
  return layout(heading, parts.join('\n'));
}

/** An error as a page, for requests from browsers: the same stable code, status and message as the JSON refusal. */
export function renderErrorPage(error: {
  code: CallbackErrorCode;
  status: number;
  message: string;
  issues?: ReadonlyArray<{ path: string; message: string }>;
}): string {
  const heading = 'This request could not be completed';
  const parts = [`<h1>${heading}</h1>`, `<p>${escapeHtml(error.message)}</p>`];
  if (error.issues?.length) {
    const items = error.issues.map((issue) => `<li>${escapeHtml(issue.path || '(data)')}: ${escapeHtml(issue.message)}</li>`).join('');
    parts.push(`<ul>${items}</ul>`);
  }
  parts.push(`<p class="meta">Error code <code id="error-code">${escapeHtml(error.code)}</code> (HTTP ${error.status})</p>`);
  return layout(heading, parts.join('\n'));
}

/** Sends `html` with `status` and {@link APPROVAL_PAGE_HEADERS}. */
export function sendPage(res: Response, status: number, html: string): void {
  res.set(APPROVAL_PAGE_HEADERS).status(status).send(html);
}
