import http from 'node:http';
import net from 'node:net';
import type { Attempt } from './sender';
import { atGateway, type WaitingCallback } from './workflows';

/**
 * A request held open on purpose: headers and half the body are sent, the rest only when
 * {@link SlowRequest.finish} is called. It is sent with `Expect: 100-continue`, and the body
 * only after the server's `100 Continue`: proof that the server has begun the request, which is
 * then in flight for as long as the sender likes. This is how the suite has requests in flight
 * at a SIGTERM.
 */
export interface SlowRequest {
  /** Sends the rest of the body; resolves with how the request ended. */
  finish(): Promise<Attempt>;
  /** Resolves how the request ended, finished or not (e.g. the connection was cut). */
  readonly ended: Promise<Attempt>;
}

/** Opens a POST of `callback` to `gateway` and, once the server said `100 Continue`, sends the first half of its body. */
export function openSlowRequest(callback: WaitingCallback, gateway: string, timeoutMs: number): Promise<SlowRequest> {
  const body = Buffer.from(JSON.stringify(callback.payload));
  const half = Math.floor(body.length / 2);
  const url = new URL(atGateway(callback.url, gateway));
  const startedAt = Date.now();
  return new Promise((resolveOpen, rejectOpen) => {
    const request = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': body.length, 'idempotency-key': callback.idempotencyKey, expect: '100-continue' },
      timeout: timeoutMs,
    });
    const ended = new Promise<Attempt>((resolve) => {
      request.once('response', (response) => {
        // An answer before 100 Continue (a refusal): nothing is left to finish.
        resolveOpen({ ended, finish: () => ended });
        response.resume();
        response.once('end', () => {
          const retryAfter = response.headers['retry-after'];
          resolve({ gateway, startedAt, endedAt: Date.now(), status: response.statusCode ?? 0, ...(typeof retryAfter === 'string' ? { retryAfter } : {}) });
        });
      });
      request.once('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
      request.once('error', (err: NodeJS.ErrnoException) => {
        resolve({ gateway, startedAt, endedAt: Date.now(), error: err.code ?? err.message });
        rejectOpen(err);
      });
    });
    request.once('continue', () => {
      request.write(body.subarray(0, half), () => {
        resolveOpen({
          ended,
          finish() {
            request.end(body.subarray(half));
            return ended;
          },
        });
      });
    });
    request.flushHeaders();
  });
}

/** Whether a new TCP connection to 127.0.0.1:`port` is refused (nothing listens). */
export function connectionRefused(port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (refused: boolean) => {
      socket.destroy();
      resolve(refused);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(false));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED'));
  });
}
