import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import { ERROR_STATUS, type CallbackError, type CallbackErrorCode, type ErrorBody } from '../protocol/errors';
import { announcesTooLargeBody, DEFAULT_MAX_BODY_BYTES, payloadTooLarge } from './middleware/read-body';
import { SECURITY_HEADERS } from './middleware/security-headers';
import { refusing, type Refusals } from './contract/contract-parts';

/** Limits of the HTTP server in front of the gateway app. */
export interface GatewayServerLimits {
  /** Request line plus headers, in bytes (longer: 431). Default 16 KiB. */
  maxHeaderSize?: number;
  /** The whole request must arrive within this (slow senders are cut off: 408). Default 30 s. */
  requestTimeoutMs?: number;
  /** The headers must arrive within this (at most the request timeout). Default 10 s. */
  headersTimeoutMs?: number;
  /** How often slow connections are checked against the timeouts. Default 1 s. */
  connectionsCheckingIntervalMs?: number;
  /**
   * The largest body the app accepts, in bytes (give the server what the app was given): a
   * request sent with `Expect: 100-continue` that announces more is refused with 413 before
   * `100 Continue`, so its body is never uploaded. Default `DEFAULT_MAX_BODY_BYTES`.
   */
  maxBodyBytes?: number;
}

/** Defaults of {@link GatewayServerLimits}. */
export const DEFAULT_SERVER_LIMITS: Required<GatewayServerLimits> = {
  maxHeaderSize: 16 * 1024,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  connectionsCheckingIntervalMs: 1_000,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
};

const CLIENT_ERRORS: Record<string, [CallbackErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: ['HEADERS_TOO_LARGE', 'The request line and headers are larger than this gateway accepts.'],
  ERR_HTTP_REQUEST_TIMEOUT: ['REQUEST_TIMEOUT', 'The request did not arrive completely in time.'],
  ERR_HTTP_HEADERS_TIMEOUT: ['REQUEST_TIMEOUT', 'The request headers did not arrive completely in time.'],
};

/**
 * What the HTTP server refuses itself, before any route, on every path and method: what Node's
 * parser rejects, and a body announced over the limit with `Expect: 100-continue`. Answered
 * without `X-Request-Id`. (CONNECT, which no route describes, is refused 405 too.)
 */
export const SERVER_REFUSALS: Refusals = refusing(...Object.values(CLIENT_ERRORS).map(([code]) => code), 'MALFORMED_REQUEST', 'PAYLOAD_TOO_LARGE');

/**
 * Answers requests Node's HTTP parser rejects before Express sees them (oversized headers,
 * timeouts, malformed HTTP) in the same JSON shape as every other refusal, instead of Node's
 * bare status line.
 */
function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // Node keeps the response being written on the socket as `_httpMessage`.
  const inFlight = (socket as Duplex & { _httpMessage?: http.ServerResponse })._httpMessage;
  if (inFlight && !inFlight.writableEnded) {
    if (inFlight.req.complete) {
      // The request was received whole and is being answered; what broke came after it. Let its
      // answer be the only one on this connection, then close.
      inFlight.shouldKeepAlive = false;
      inFlight.once('close', () => socket.destroy());
      return;
    }
    if (inFlight.headersSent) {
      socket.destroy();
      return;
    }
    // The request itself broke (bad chunk, timeout): it can deliver nothing; refuse it below.
  }
  const [code, message] = CLIENT_ERRORS[err.code ?? ''] ?? ['MALFORMED_REQUEST', 'The request is not valid HTTP.'];
  writeRawRefusal(socket, code, message);
}

/** A refusal the server answers itself, before Express: status, headers and the JSON body every refusal has. */
function serverRefusal(code: CallbackErrorCode, message: string, extraHeaders: Record<string, string>): { status: number; headers: Record<string, string>; text: string } {
  const body: ErrorBody = { error: { code, message } };
  const text = JSON.stringify(body);
  return {
    status: ERROR_STATUS[code],
    text,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(text)),
      Connection: 'close',
      ...SECURITY_HEADERS,
      ...extraHeaders,
    },
  };
}

/** Writes a complete JSON refusal straight onto a socket and closes it (for requests Express never sees). */
function writeRawRefusal(socket: Duplex, code: CallbackErrorCode, message: string, extraHeaders: Record<string, string> = {}): void {
  const { status, headers, text } = serverRefusal(code, message, extraHeaders);
  const lines = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${lines}\r\n${text}`);
}

/** Answers a parsed request with `error` as a JSON refusal and closes the connection, leaving its body unread. */
function refuseUnread(res: http.ServerResponse, error: CallbackError): void {
  const { status, headers, text } = serverRefusal(error.code, error.message, error.headers);
  res.writeHead(status, headers);
  res.end(text);
}

/**
 * An HTTP server for the gateway app, with its limits set and every parser-level refusal
 * answered in JSON. Give it the app's `maxBodyBytes` too, so a body announced over it with
 * `Expect: 100-continue` is refused before it is uploaded.
 */
export function createGatewayServer(app: Express, limits: GatewayServerLimits = {}): http.Server {
  const settings: Required<GatewayServerLimits> = {
    maxHeaderSize: limits.maxHeaderSize ?? DEFAULT_SERVER_LIMITS.maxHeaderSize,
    requestTimeoutMs: limits.requestTimeoutMs ?? DEFAULT_SERVER_LIMITS.requestTimeoutMs,
    headersTimeoutMs: limits.headersTimeoutMs ?? DEFAULT_SERVER_LIMITS.headersTimeoutMs,
    connectionsCheckingIntervalMs: limits.connectionsCheckingIntervalMs ?? DEFAULT_SERVER_LIMITS.connectionsCheckingIntervalMs,
    maxBodyBytes: limits.maxBodyBytes ?? DEFAULT_SERVER_LIMITS.maxBodyBytes,
  };
  const server = http.createServer(
    {
      maxHeaderSize: settings.maxHeaderSize,
      requestTimeout: settings.requestTimeoutMs,
      // Node refuses a headers timeout longer than the request timeout.
      headersTimeout: Math.min(settings.headersTimeoutMs, settings.requestTimeoutMs),
      connectionsCheckingInterval: settings.connectionsCheckingIntervalMs,
    },
    app,
  );
  server.on('clientError', answerClientError);
  // Node emits this for `Expect: 100-continue` instead of answering 100 itself. A body announced
  // over the limit is refused now, before the sender uploads it; any other is invited as usual.
  // (Any other expectation still gets Node's own 417: this listener does not change that.)
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (announcesTooLargeBody(req.headers, settings.maxBodyBytes)) {
      refuseUnread(res, payloadTooLarge(settings.maxBodyBytes));
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
  // Node hands CONNECT to 'connect' listeners and drops it without one; refuse it like any other method.
  server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => {
    writeRawRefusal(socket, 'METHOD_NOT_ALLOWED', 'CONNECT does not deliver a callback; use POST or PUT.', { Allow: 'POST, PUT' });
  });
  return server;
}
