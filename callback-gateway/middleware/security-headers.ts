import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * helmet's settings for the gateway. Its defaults stand where they do no harm to an API and its
 * self-contained pages (`Referrer-Policy: no-referrer`, `X-Content-Type-Options: nosniff`,
 * `Cross-Origin-Resource-Policy` and `-Opener-Policy: same-origin`, `Origin-Agent-Cluster`,
 * `X-DNS-Prefetch-Control: off`, `X-Download-Options`, `X-Permitted-Cross-Domain-Policies`,
 * `X-XSS-Protection: 0`); these are set:
 *
 * - the CSP: no content of an answer may run or load (`default-src 'none'`) or be framed.
 *   helmet's default policy allows same-origin scripts and styles, which no JSON answer needs;
 *   HTML pages replace this header with their own, also written by helmet, which allows their
 *   one inline style by hash (`APPROVAL_PAGE_CSP` in html-pages.ts).
 * - `X-Frame-Options: DENY` (helmet's default is `SAMEORIGIN`), as `frame-ancestors 'none'` says
 *   for browsers without CSP.
 * - HSTS for a year without `includeSubDomains`: which hosts below the gateway's must be HTTPS is
 *   the deployment's decision, not the gateway's.
 */
const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  xFrameOptions: { action: 'deny' },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
};

const setHelmetHeaders = helmet(HELMET_OPTIONS);

/** Nothing the gateway answers may be cached: answers concern bearer URLs. helmet leaves caching alone. */
const NO_STORE = { 'Cache-Control': 'no-store' } as const;

/**
 * The headers a helmet middleware sets, read once by running it against a response that only
 * records them. With static settings (all of ours) these are exactly the headers it sets on every
 * response, so answers written outside Express (http-server.ts) and the HTML pages' own policy
 * (html-pages.ts) carry helmet's headers without a second copy of them written by hand.
 */
export function headersSetBy(middleware: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: unknown) => (headers[name] = String(value)),
    removeHeader: (name: string) => delete headers[name],
  };
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (err) => {
    if (err) throw err;
  });
  return headers;
}

/**
 * Headers every gateway response carries: nothing may be cached, sniffed, framed or sent on as a
 * referrer, and no content runs if a browser ever renders one. What helmet sets with
 * {@link HELMET_OPTIONS}, plus `Cache-Control: no-store`; the answers the HTTP server writes
 * itself, before Express, carry the same (http-server.ts).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = { ...NO_STORE, ...headersSetBy(setHelmetHeaders) };

/** Sets {@link SECURITY_HEADERS} on every response: helmet's, and `Cache-Control: no-store`. */
export const securityHeaders: RequestHandler = (req, res, next) => {
  res.setHeader('Cache-Control', NO_STORE['Cache-Control']);
  setHelmetHeaders(req, res, next);
};
