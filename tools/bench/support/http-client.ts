import http from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * A small HTTP load generator on `node:http` keep-alive agents: what a busy sender does, without a
 * dependency. One agent per target, at most `concurrency` sockets.
 */

/** A keep-alive agent for `concurrency` requests in flight. */
export function keepAliveAgent(concurrency: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency, scheduling: 'fifo' });
}

/** The answer to one request. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * POSTs `body` (JSON text) to `url` on `agent`. A request sent on a kept-alive socket that the
 * server closed meanwhile (idle longer than its keep-alive timeout: the request never reached it)
 * is sent once more on a new socket, as Node's documentation advises.
 */
export async function postJson(agent: http.Agent, url: URL | string, body: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  try {
    return await postOnce(agent, url, body, headers);
  } catch (err) {
    if ((err as { reusedSocket?: boolean }).reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET') return postOnce(agent, url, body, headers);
    throw err;
  }
}

function postOnce(agent: http.Agent, url: URL | string, body: string, headers: Record<string, string>): Promise<HttpAnswer> {
  const target = typeof url === 'string' ? new URL(url) : url;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        method: 'POST',
        hostname: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out after 30 s')));
    req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
    req.end(body);
  });
}

/** Options for {@link closedLoop}. */
export interface ClosedLoopOptions {
  agent: http.Agent;
  concurrency: number;
  durationMs: number;
  /** The URL and body of the `i`-th request. */
  request(i: number): { url: URL; body: string };
}

/** What a {@link closedLoop} run did. */
export interface ClosedLoopResult {
  requests: number;
  elapsedMs: number;
  /** Latency of each request, ms. */
  latencies: number[];
  /** Count per HTTP status (0 for a transport error). */
  statuses: Record<number, number>;
}

/**
 * Keeps `concurrency` requests in flight for `durationMs`: each lane sends its next request as
 * soon as its previous one answered. Requests in flight at the deadline are awaited and counted.
 */
export async function closedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let issued = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const lane = async () => {
    while (performance.now() < deadline) {
      const { url, body } = options.request(issued++);
      const sent = performance.now();
      let status = 0;
      try {
        status = (await postJson(options.agent, url, body)).status;
      } catch {
        status = 0;
      }
      latencies.push(performance.now() - sent);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  return { requests: latencies.length, elapsedMs: performance.now() - started, latencies, statuses };
}
