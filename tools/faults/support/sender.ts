import { sleep } from '../../../test/support/async';
import { atGateway, type WaitingCallback } from './workflows';

/**
 * A sender like a real external system: POSTs the callback's JSON with its `Idempotency-Key`,
 * and retries on connection errors, timeouts, 5xx and 429 with backoff (honouring
 * `Retry-After`), within a bounded number of attempts and a bounded total time.
 */

/** One HTTP request a sender made. */
export interface Attempt {
  /** The gateway's origin. */
  gateway: string;
  startedAt: number;
  endedAt: number;
  /** The answer's status, when one came. */
  status?: number;
  /** The `Retry-After` header of the answer, if any. */
  retryAfter?: string;
  /** The `error.code` of a refusal's JSON body, e.g. `WORKFLOW_CLOSED`. */
  code?: string;
  /** The `status` of a 2xx answer's JSON body: `accepted`, or `duplicate` for a delivery Temporal had already recorded. */
  answer?: string;
  /** Why no answer came: a connection error code, or `timeout`. */
  error?: string;
}

/** How one delivery of a callback (or of a provider's event) ended. */
export interface Delivery<C extends { index: number } = WaitingCallback> {
  callback: C;
  /** Which copy, when the same callback is delivered several times (duplicates). */
  copy: number;
  /** A 2xx came back. */
  accepted: boolean;
  attempts: Attempt[];
  /** Why the sender stopped without a 2xx. */
  gaveUp?: string;
}

/** How a sender retries. */
export interface SenderPolicy {
  /** The gateway origin for attempt `attempt` (0-based), e.g. alternating to fail over. */
  gatewayFor(attempt: number): string;
  maxAttempts: number;
  /** Bound on the whole delivery, retries included. */
  totalTimeoutMs: number;
  /** Bound on one request. */
  attemptTimeoutMs: number;
  /** Longest pause between attempts, even when `Retry-After` asks for more. */
  maxPauseMs: number;
  /** Ask for a synchronous answer with `Prefer: wait=N` (the attempt timeout must exceed it); asynchronous unless set. */
  waitSeconds?: number;
}

/** Defaults: 40 attempts, 3 minutes in all, 20 s per request, pauses up to 6 s. */
export const DEFAULT_POLICY: Omit<SenderPolicy, 'gatewayFor'> = {
  maxAttempts: 40,
  totalTimeoutMs: 180_000,
  attemptTimeoutMs: 20_000,
  maxPauseMs: 6_000,
};

/** Called after every request, for scenarios that act on progress (e.g. kill a gateway mid-load). */
export type AttemptListener<C extends { index: number } = WaitingCallback> = (attempt: Attempt, delivery: Delivery<C>) => void;

function connectionErrorOf(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timeout';
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** What an answer's JSON body says: `error.code` of a refusal, `status` of a 2xx. */
function bodyFieldsOf(status: number, body: string): Pick<Attempt, 'code' | 'answer'> {
  let parsed: { status?: unknown; error?: { code?: unknown } } | undefined;
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return {};
  }
  const code = status >= 400 ? parsed?.error?.code : undefined;
  const answer = status >= 200 && status < 300 ? parsed?.status : undefined;
  return { ...(typeof code === 'string' ? { code } : {}), ...(typeof answer === 'string' ? { answer } : {}) };
}

function pauseBefore(attempt: number, retryAfter: string | undefined, maxPauseMs: number): number {
  const asked = retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  const backoff = Math.min(100 * 2 ** attempt, 2_000);
  const jitter = 0.75 + Math.random() * 0.5;
  return Math.min(maxPauseMs, (asked ?? backoff) * jitter);
}

function retryable(status: number): boolean {
  return status >= 500 || status === 429;
}

/** Sends one POST of `callback` to `gateway`; with `waitSeconds`, asks for a synchronous answer (`Prefer: wait=N`). */
export function postCallback(callback: WaitingCallback, gateway: string, timeoutMs: number, waitSeconds?: number): Promise<Attempt> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': callback.idempotencyKey };
  if (waitSeconds !== undefined) headers.prefer = `wait=${waitSeconds}`;
  return postRequest(gateway, atGateway(callback.url, gateway), { headers, body: JSON.stringify(callback.payload) }, timeoutMs);
}

/** One POST of `body` with `headers` to `url` (at `gateway`), bounded by `timeoutMs`, and what came back. */
export async function postRequest(gateway: string, url: string, request: { headers: Record<string, string>; body: string }, timeoutMs: number): Promise<Attempt> {
  const startedAt = Date.now();
  try {
    const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    const retryAfter = response.headers.get('retry-after') ?? undefined;
    return {
      gateway,
      startedAt,
      endedAt: Date.now(),
      status: response.status,
      ...(retryAfter === undefined ? {} : { retryAfter }),
      ...bodyFieldsOf(response.status, text),
    };
  } catch (err) {
    return { gateway, startedAt, endedAt: Date.now(), error: connectionErrorOf(err) };
  }
}

/** Delivers `callback` until a 2xx, a non-retryable answer, or the policy's bounds. */
export function deliver(callback: WaitingCallback, policy: SenderPolicy, onAttempt?: AttemptListener, copy = 0): Promise<Delivery> {
  return deliverWith(callback, (gateway, timeoutMs) => postCallback(callback, gateway, timeoutMs, policy.waitSeconds), policy, onAttempt, copy);
}

/** Sends `callback` with `send` (one request to a gateway within a timeout) until a 2xx, a non-retryable answer, or the policy's bounds. */
export async function deliverWith<C extends { index: number }>(
  callback: C,
  send: (gateway: string, timeoutMs: number) => Promise<Attempt>,
  policy: SenderPolicy,
  onAttempt?: AttemptListener<C>,
  copy = 0,
): Promise<Delivery<C>> {
  const delivery: Delivery<C> = { callback, copy, accepted: false, attempts: [] };
  const deadline = Date.now() + policy.totalTimeoutMs;
  for (let attempt = 0; attempt < policy.maxAttempts; attempt++) {
    const timeout = Math.max(1, Math.min(policy.attemptTimeoutMs, deadline - Date.now()));
    const result = await send(policy.gatewayFor(attempt), timeout);
    delivery.attempts.push(result);
    if (result.status !== undefined && result.status >= 200 && result.status < 300) delivery.accepted = true;
    onAttempt?.(result, delivery);
    if (delivery.accepted) return delivery;
    if (result.status !== undefined && !retryable(result.status)) {
      delivery.gaveUp = `answer ${result.status}${result.code ? ` ${result.code}` : ''}`;
      return delivery;
    }
    if (attempt + 1 >= policy.maxAttempts) break;
    const pause = pauseBefore(attempt, result.retryAfter, policy.maxPauseMs);
    if (Date.now() + pause >= deadline) {
      delivery.gaveUp = `no 2xx within ${policy.totalTimeoutMs / 1000} s`;
      return delivery;
    }
    await sleep(pause);
  }
  delivery.gaveUp = `no 2xx in ${policy.maxAttempts} attempts`;
  return delivery;
}

/** "1012 requests: 202 accepted x1000, 503 TEMPORAL_UNAVAILABLE x12; no answer: ECONNREFUSED x3". */
export function describeAttempts(attempts: readonly Attempt[]): string {
  const statuses = new Map<string, number>();
  const errors = new Map<string, number>();
  for (const attempt of attempts) {
    const tally = attempt.status !== undefined ? statuses : errors;
    const detail = attempt.code ?? attempt.answer;
    const key = attempt.status !== undefined ? `${attempt.status}${detail ? ` ${detail}` : ''}` : (attempt.error ?? 'unknown');
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  const list = (tally: Map<string, number>) =>
    [...tally]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, count]) => `${key} x${count}`)
      .join(', ');
  return `${attempts.length} requests: ${list(statuses) || 'no answers'}${errors.size ? `; no answer: ${list(errors)}` : ''}`;
}

/** {@link describeAttempts} over every request of `deliveries`. */
export function describeDeliveries(deliveries: readonly Pick<Delivery<{ index: number }>, 'attempts'>[]): string {
  return describeAttempts(deliveries.flatMap((delivery) => delivery.attempts));
}

/** How {@link sendLoad} paces and routes its callbacks. */
export interface LoadOptions {
  /** Callbacks in flight at once. */
  concurrency: number;
  /** The retry policy (and gateway choice) of each callback. */
  policyFor(callback: WaitingCallback): SenderPolicy;
  onAttempt?: AttemptListener;
  /** The k-th callback starts no earlier than k × this after the load began (spreads a load over time). */
  intervalMs?: number;
}

/** Delivers every callback once (as one logical callback each), `concurrency` at a time. */
export async function sendLoad(callbacks: readonly WaitingCallback[], options: LoadOptions): Promise<Delivery[]> {
  const started = Date.now();
  const results = new Array<Delivery>(callbacks.length);
  let next = 0;
  const runner = async () => {
    while (next < callbacks.length) {
      const position = next++;
      const callback = callbacks[position]!;
      if (options.intervalMs) await sleep(started + position * options.intervalMs - Date.now());
      results[position] = await deliver(callback, options.policyFor(callback), options.onAttempt);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, callbacks.length) }, runner));
  return results;
}

/** A policy with the defaults that always sends to `gateway`. */
export function toGateway(gateway: string, overrides: Partial<SenderPolicy> = {}): SenderPolicy {
  return { ...DEFAULT_POLICY, gatewayFor: () => gateway, ...overrides };
}

/** A policy with the defaults that starts at `gateways[first]` and moves to the next gateway on every retry (fail-over). */
export function alternating(gateways: readonly string[], first: number, overrides: Partial<SenderPolicy> = {}): SenderPolicy {
  return { ...DEFAULT_POLICY, gatewayFor: (attempt) => gateways[(first + attempt) % gateways.length]!, ...overrides };
}
