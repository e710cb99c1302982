import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import { ERROR_STATUS, type CallbackErrorCode, type ErrorBody } from '../lib/errors';
import { SECURITY_HEADERS } from './middleware/security-headers';

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
}

/** Defaults of {@link GatewayServerLimits}. */
export const DEFAULT_SERVER_LIMITS: Required<GatewayServerLimits> = {
  maxHeaderSize: 16 * 1024,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  connectionsCheckingIntervalMs: 1_000,
};

const CLIENT_ERRORS: Record<string, [CallbackErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: ['HEADERS_TOO_LARGE', 'The request line and headers are larger than this gateway accepts.'],
  ERR_HTTP_REQUEST_TIMEOUT: ['REQUEST_TIMEOUT', 'The request did not arrive completely in time.'],
  ERR_HTTP_HEADERS_TIMEOUT: ['REQUEST_TIMEOUT', 'The request headers did not arrive completely in time.'],
};

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

/** Writes a complete JSON refusal straight onto a socket and closes it (for requests Express never sees). */
function writeRawRefusal(socket: Duplex, code: CallbackErrorCode, message: string, extraHeaders: Record<string, string> = {}): void {
  const status = ERROR_STATUS[code];
  const body: ErrorBody = { error: { code, message } };
  const text = JSON.stringify(body);
  const headers = Object.entries({ ...SECURITY_HEADERS, ...extraHeaders })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n${headers}\r\n${text}`,
  );
}

/** An HTTP server for the gateway app, with its limits set and every parser-level refusal answered in JSON. */
export function createGatewayServer(app: Express, limits: GatewayServerLimits = {}): http.Server {
  const settings = { ...DEFAULT_SERVER_LIMITS, ...limits };
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
  // Node hands CONNECT to 'connect' listeners and drops it without one; refuse it like any other method.
  server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => {
    writeRawRefusal(socket, 'METHOD_NOT_ALLOWED', 'CONNECT does not deliver a callback; use POST or PUT.', { Allow: 'POST, PUT' });
  });
  return server;
}
