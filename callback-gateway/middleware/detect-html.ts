import type { Request, RequestHandler } from 'express';
import { requestState } from '../request-state';

/** The `q` of `text/html` in an Accept header: 0 unless the header names it. `*` wildcards do not count. */
function htmlQuality(accept: string): number {
  let best = 0;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    if (type !== 'text/html') continue;
    const q = params.find((param) => param.startsWith('q='));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    if (Number.isFinite(quality)) best = Math.max(best, quality);
  }
  return best;
}

/**
 * True when the request's `Accept` names `text/html` (with `q` > 0), as browsers, link previews
 * in chat and mail tools and crawlers do. `*\/*` alone does not count, so `curl` and HTTP
 * libraries keep the JSON contract.
 */
function acceptsHtml(req: Request): boolean {
  return htmlQuality(req.get('accept') ?? '') > 0;
}

/** True when the request names `text/html` in `Accept` and prefers it to JSON (a browser's form submission). */
function prefersHtml(req: Request): boolean {
  return acceptsHtml(req) && req.accepts(['application/json', 'text/html']) === 'text/html';
}

/** True when the request's body is declared JSON: a machine sender, whatever its `Accept` says. */
function sendsJson(req: Request): boolean {
  const type = req.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[^/]+\+json$/.test(type);
}

/**
 * Marks requests to be answered in HTML (on the request state): a GET that accepts HTML gets
 * the approval page instead of any delivery; a POST or PUT that prefers HTML and does not send
 * JSON (a browser's form submission) gets the thank-you page; every refusal of either is then an
 * HTML page with the same status and code. HEAD, JSON bodies (some HTTP libraries put
 * `text/html` first in their default `Accept`) and everything else keep JSON.
 */
export const markHtmlRequests: RequestHandler = (req, res, next) => {
  if (req.method === 'GET') requestState(res).html = acceptsHtml(req);
  else if (req.method === 'POST' || req.method === 'PUT') requestState(res).html = prefersHtml(req) && !sendsJson(req);
  next();
};
