import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { freePort } from './dev-server';
import { spawnManaged, type ManagedProcess } from './processes';
import { REPO_ROOT } from './repo';

/**
 * The real development OpenID Connect provider (`tools/scripts/dev-oidc-provider.mjs`, on
 * oidc-provider) as a child process on a free port, and a browser stand-in that keeps cookies
 * and follows redirects by hand, so tests can walk a sign-in as a person's browser would.
 */

/** A running development provider and the gateway client registered with it. */
export interface DevOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  process: ManagedProcess;
  close(): Promise<void>;
}

/** Another application registered at the same provider. */
export interface OtherClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/**
 * Starts the development provider with the gateway's client (redirect URI `redirectUri`) and any
 * `others`; demo users from `tools/dev-oidc/demo-users.json`.
 */
export async function startDevOidcProvider(redirectUri: string, others: OtherClient[] = []): Promise<DevOidcProvider> {
  const clientId = 'dcb-gateway-test';
  const clientSecret = randomBytes(24).toString('base64url');
  // A free port can be taken between finding it and listening on it (test files run side by side):
  // the provider then exits, and a new port is tried.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    // The gateway's port, found free just before and not listened on yet, is not the provider's.
    if (String(port) === new URL(redirectUri).port && attempt < 10) continue;
    const issuer = `http://127.0.0.1:${port}`;
    const child = await spawnManaged({
      name: 'dev-oidc-provider',
      command: process.execPath,
      args: [
        path.join(REPO_ROOT, 'tools', 'scripts', 'dev-oidc-provider.mjs'),
        // `=`-joined: a base64url secret may start with '-', which parseArgs would take for an option.
        ...['--port', String(port), '--issuer', issuer, '--client-id', clientId, `--client-secret=${clientSecret}`, '--redirect-uri', redirectUri],
        ...others.flatMap((other) => ['--extra-client', `${other.clientId}:${other.clientSecret}:${other.redirectUri}`]),
      ],
      env: { ...process.env, NODE_ENV: 'development' },
    });
    try {
      await child.waitForLine('dev OIDC provider listening', 20_000);
    } catch (err) {
      await child.kill();
      if (attempt < 3) continue;
      throw new Error(`${(err as Error).message}; its last lines:\n${child.tail(20).join('\n')}`);
    }
    return {
      issuer,
      clientId,
      clientSecret,
      process: child,
      async close() {
        await child.kill();
      },
    };
  }
}

interface StoredCookie {
  value: string;
  path: string;
}

/**
 * A browser, as far as a sign-in needs one: a cookie jar (by name and path; like a browser it
 * ignores ports, and everything here is on 127.0.0.1), `Accept: text/html`, and redirects
 * followed by hand so each hop can be seen.
 */
export class TestBrowser {
  readonly cookies = new Map<string, StoredCookie>();

  /** The `Cookie` header for `url`: every stored cookie whose path covers its path. */
  cookieHeader(url: string): string {
    const { pathname } = new URL(url);
    return [...this.cookies.entries()]
      .filter(([, cookie]) => pathname === cookie.path || pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join('; ');
  }

  private store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const separator = pair!.indexOf('=');
      const name = pair!.slice(0, separator);
      const value = pair!.slice(separator + 1);
      const attribute = (key: string) => attributes.find((each) => each.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const expires = attribute('expires');
      const gone = attribute('max-age') === '0' || (expires !== undefined && Date.parse(expires) <= Date.now()) || value === '';
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, { value, path: attribute('path') ?? '/' });
    }
  }

  /** One request with the jar's cookies; stores what it sets. Never follows a redirect. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has('accept')) headers.set('accept', 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8');
    const cookie = this.cookieHeader(url);
    if (cookie && !headers.has('cookie')) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.store(response);
    return response;
  }

  /** POSTs `fields` as a form, as a page's form does. */
  postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
  }

  /**
   * GETs `url` and follows redirects until an answer that is not one, or until the next hop is a
   * URL `stopBefore` picks (returned unvisited, e.g. to hold on to an authorization code).
   */
  async follow(url: string, stopBefore?: (next: URL) => boolean): Promise<{ url: string; response?: Response }> {
    let at = url;
    for (let hop = 0; hop < 10; hop++) {
      if (stopBefore?.(new URL(at))) return { url: at };
      const response = await this.request(at);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { url: at, response };
      await response.body?.cancel();
      at = new URL(location, at).href;
    }
    throw new Error(`more than 10 redirects from ${url}`);
  }
}

/** The value of the hidden input `name` in a page. */
export function hiddenField(html: string, name: string): string | undefined {
  return new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html)?.[1];
}

/**
 * Walks a sign-in from an approval page's "Sign in to decide" link to the provider's login form, signs in as
 * `login`, and follows the redirects back, stopping before `/auth/oidc/callback` when `holdCode`
 * (the callback URL, with its code and state, is returned unvisited). Otherwise ends on the
 * approval page, signed in.
 */
export async function signInAs(browser: TestBrowser, approvalUrl: string, login: string, holdCode = false): Promise<{ url: string; response?: Response }> {
  const page = await (await browser.request(approvalUrl)).text();
  const link = /<a class="sign-in" href="([^"]+)">/.exec(page)?.[1];
  if (!link) throw new Error(`the approval page offers no sign-in link: ${page.slice(0, 200)}`);
  return logInAtProvider(browser, new URL(link.replace(/&amp;/g, '&'), approvalUrl).href, login, holdCode);
}

/**
 * Opens the gateway's `/inbox` without a session (it sends the browser to sign in), signs in at
 * the provider as `login`, and follows the redirects back: ends on the inbox, signed in.
 */
export function signInToInbox(browser: TestBrowser, gatewayUrl: string, login: string): Promise<{ url: string; response?: Response }> {
  return logInAtProvider(browser, `${gatewayUrl}/inbox`, login);
}

/** Follows `start` to the provider's login form, signs in as `login` (any password), and follows the redirects back. */
async function logInAtProvider(browser: TestBrowser, start: string, login: string, holdCode = false): Promise<{ url: string; response?: Response }> {
  const form = await browser.follow(start);
  if (form.response?.status !== 200 || !new URL(form.url).pathname.startsWith('/interaction/')) {
    throw new Error(`expected the provider's login form, got ${form.response?.status} at ${form.url}`);
  }
  await form.response.text();
  const submitted = await browser.postForm(form.url, { prompt: 'login', login, password: 'any' });
  const location = submitted.headers.get('location');
  if (submitted.status < 300 || submitted.status >= 400 || !location) throw new Error(`the provider's login answered ${submitted.status}`);
  return browser.follow(new URL(location, form.url).href, holdCode ? (next) => next.pathname === '/auth/oidc/callback' : undefined);
}
