import net from 'node:net';

/** One HTTP response as read off a raw socket. */
export interface RawResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: string;
}

/** What came back on a raw socket, and how the exchange ended. */
export interface RawExchange {
  /** Every complete response read, in order (pipelined requests get several). */
  responses: RawResponse[];
  /** Everything read, as latin1 text. */
  raw: string;
  /** True when the server ended the connection (sent FIN or reset it). */
  closed: boolean;
  /** True when the exchange was cut off by `timeoutMs`. */
  timedOut: boolean;
  /** From the first byte written to the end of the exchange. */
  elapsedMs: number;
}

/** Options of {@link rawExchange}. */
export interface RawExchangeOptions {
  /** Stop after this long, whatever arrived. Default 5 s. */
  timeoutMs?: number;
  /** Stop once this many complete responses have arrived (the default, 1), or read until close (`Infinity`). */
  responses?: number;
  /** Half-close (send FIN) after writing. Off by default: Node ends the socket on FIN, losing answers still being computed. */
  halfClose?: boolean;
  /** After the request, write these bytes one at a time, `intervalMs` apart, until the exchange ends (a slow sender). */
  dribble?: { bytes: string; intervalMs: number };
  /**
   * Keep the connection open this long after the exchange is otherwise over (the answers wanted
   * arrived, or the server ended its side), so the server sees a client that is still there.
   */
  lingerMs?: number;
  /** More bytes, written on the next turn of the event loop after `request` (a second TCP segment). */
  thenWrite?: string | Buffer;
  /** Bytes written once the server answers `100 Continue`, as a client that sent `Expect: 100-continue` sends its body. */
  afterContinue?: string | Buffer;
  /** Ends the exchange early (as if timed out), e.g. when a test file finishes before a slow exchange does. */
  signal?: AbortSignal;
}

/**
 * An HTTP/1.1 request as exact bytes: the request line, `Host: 127.0.0.1`, `headers` as given,
 * a blank line, then `body`. Nothing is added or checked (no Content-Length): for requests no
 * HTTP client would send.
 */
export function rawRequest(method: string, target: string, headers: readonly string[] = [], body = ''): string {
  return [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...headers, '', body].join('\r\n');
}

/** A POST to `target` with `headers`, then the Content-Length of `body`, and `body`. */
export function rawPost(target: string, headers: readonly string[], body = ''): string {
  return rawRequest('POST', target, [...headers, `Content-Length: ${Buffer.byteLength(body)}`], body);
}

/** Parses as many complete `Content-Length`-framed responses as `raw` holds. */
export function parseResponses(raw: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let offset = 0;
  for (;;) {
    const end = raw.indexOf('\r\n\r\n', offset, 'latin1');
    if (end < 0) break;
    const [statusLine = '', ...lines] = raw.subarray(offset, end).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!match) break;
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const length = Number(headers['content-length'] ?? 0);
    const bodyStart = end + 4;
    if (raw.byteLength < bodyStart + length) break;
    responses.push({ status: Number(match[1]), headers, body: raw.subarray(bodyStart, bodyStart + length).toString('utf8') });
    offset = bodyStart + length;
  }
  return responses;
}

/**
 * Writes `request` (exact bytes, nothing added or checked) to a fresh connection to
 * 127.0.0.1:`port` and reads what comes back: for requests no HTTP client would send.
 */
export function rawExchange(port: number, request: string | Buffer, options: RawExchangeOptions = {}): Promise<RawExchange> {
  const wanted = options.responses ?? 1;
  return new Promise((resolve) => {
    // Half-open, so the server ending its side does not make this side end at once (see lingerMs).
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let closed = false;
    let done = false;
    let dribbler: NodeJS.Timeout | undefined;
    const started = Date.now();
    let over: { elapsedMs: number; timedOut: boolean } | undefined;
    const finish = (timedOut: boolean, lingered = false) => {
      if (done) return;
      if (!over) over = { elapsedMs: Date.now() - started, timedOut };
      if (!timedOut && !lingered && options.lingerMs) {
        if (over.timedOut === false && !lingerTimer) lingerTimer = setTimeout(() => finish(false, true), options.lingerMs);
        return;
      }
      done = true;
      clearTimeout(timer);
      if (lingerTimer) clearTimeout(lingerTimer);
      if (dribbler) clearInterval(dribbler);
      const raw = Buffer.concat(chunks);
      socket.destroy();
      resolve({ responses: parseResponses(raw), raw: raw.toString('latin1'), closed, timedOut: over.timedOut, elapsedMs: over.elapsedMs });
    };
    let lingerTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => finish(true), options.timeoutMs ?? 5_000);
    options.signal?.addEventListener('abort', () => finish(true), { once: true });
    let continued = false;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const responses = parseResponses(Buffer.concat(chunks));
      if (options.afterContinue !== undefined && !continued && responses.some((response) => response.status === 100)) {
        continued = true;
        socket.write(options.afterContinue);
      }
      if (responses.length >= wanted) finish(false);
    });
    socket.on('error', () => undefined);
    const ended = () => {
      closed = true;
      finish(false);
    };
    socket.on('end', ended);
    socket.on('close', ended);
    socket.on('connect', () => {
      socket.write(request);
      const more = options.thenWrite;
      if (more !== undefined) setImmediate(() => socket.writable && socket.write(more));
      if (options.halfClose) socket.end();
      const dribble = options.dribble;
      if (dribble) {
        let next = 0;
        dribbler = setInterval(() => {
          if (next >= dribble.bytes.length || socket.destroyed || !socket.writable) return;
          socket.write(dribble.bytes[next++]!);
        }, dribble.intervalMs);
      }
    });
  });
}
