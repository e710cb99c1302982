import { ERROR_STATUS } from '../../protocol/errors';
import type { RawResponse } from './raw-http';

/** The security headers every answer carries, refusals included (values as the gateway sets them). */
export const REQUIRED_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

/** A refusal's stable code. */
export type RefusalCode = keyof typeof ERROR_STATUS;

/** A refusal, reduced to what the tests compare. */
export interface Refusal {
  status: number;
  /** `error.code` of the JSON body, or undefined when the body is not a JSON refusal. */
  code: string | undefined;
  contentType: string | undefined;
  /** The required security headers as received. */
  securityHeaders: Record<string, string | undefined>;
  body: string;
}

function codeOfBody(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    return typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string' ? parsed.error.code : undefined;
  } catch {
    return undefined;
  }
}

function refusal(status: number, header: (name: string) => string | undefined, body: string): Refusal {
  return {
    status,
    code: codeOfBody(body),
    contentType: header('content-type'),
    securityHeaders: Object.fromEntries(Object.keys(REQUIRED_SECURITY_HEADERS).map((name) => [name, header(name)])),
    body,
  };
}

/** Reads a fetch response as a {@link Refusal}. */
export async function refusalOf(response: Response): Promise<Refusal> {
  return refusal(response.status, (name) => response.headers.get(name) ?? undefined, await response.text());
}

/** A raw-socket response as a {@link Refusal}. */
export function rawRefusalOf(response: RawResponse): Refusal {
  return refusal(response.status, (name) => response.headers[name], response.body);
}

/**
 * Asserts a refusal: its status, its stable code (and that the code maps to that status), a JSON
 * body, the security headers, and that the body repeats none of `secrets` (tokens, keys).
 */
export function expectRefusal(got: Refusal, status: number, code: RefusalCode, secrets: ReadonlyArray<string | undefined> = []): void {
  expect({ status: got.status, code: got.code }).toEqual({ status, code });
  expect(ERROR_STATUS[code]).toBe(status);
  expect(got.contentType).toMatch(/^application\/json/);
  expect(got.securityHeaders).toEqual(REQUIRED_SECURITY_HEADERS);
  for (const secret of secrets) {
    if (secret && secret.length >= 8) expect(got.body).not.toContain(secret);
  }
}
