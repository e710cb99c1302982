import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Slack: signs a request exactly as Slack does (its signing-secret scheme, which
 * `@slack/bolt`'s `verifySlackRequest` accepts) and clicks a button by posting the interaction
 * payload Slack would post. For demos and tests: no Slack workspace needed.
 */

/** The headers Slack signs a request with: `v0=` HMAC-SHA256 of `v0:<timestamp>:<body>` with the app's signing secret. */
export function slackSignatureHeaders(signingSecret: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestampSeconds), 'x-slack-signature': `v0=${signature}` };
}

/** The form body Slack posts when someone clicks a button: `payload=<block_actions JSON>`. */
export function buttonClickBody(input: { actionId: string; value: string; user: string; messageTs: string; channel?: string }): string {
  const payload = {
    type: 'block_actions',
    user: { id: input.user, username: input.user },
    container: { type: 'message', message_ts: input.messageTs, channel_id: input.channel ?? 'C0DEMO' },
    message: { ts: input.messageTs },
    actions: [{ type: 'button', action_id: input.actionId, block_id: 'decision', value: input.value, action_ts: String(Date.now() / 1000) }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Posts a signed button click to `url` (the gateway's `/webhooks/<source>`), as Slack would. */
export function clickButton(url: string, signingSecret: string, click: Parameters<typeof buttonClickBody>[0], timestampSeconds?: number): Promise<Response> {
  const body = buttonClickBody(click);
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignatureHeaders(signingSecret, body, timestampSeconds) },
    body,
  });
}

/** A message posted to the stand-in's `chat.postMessage` (and as `chat.update` left it). */
export interface PostedMessage {
  channel: string;
  text: string;
  ts: string;
  /** The buttons of its actions blocks. */
  buttons: Array<{ actionId: string; value: string }>;
  /** Its Block Kit blocks. */
  blocks: Array<Record<string, unknown>>;
}

/** A `chat.update` the stand-in took: which message, and what it says now. */
export interface UpdatedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Array<Record<string, unknown>>;
}

/** What was posted to one of the stand-in's response URLs (`<origin>/response/...`): how the gateway answers a click. */
export interface ResponseUrlPost {
  path: string;
  body: { text?: string; response_type?: string; replace_original?: boolean };
}

/** A failure the stand-in answers the next matching Web API call with: an HTTP status (429 with `Retry-After` seconds), or Slack's `{ ok: false, error }`. */
export interface SlackFault {
  method?: 'chat.postMessage' | 'chat.update';
  /** Only for calls to this channel. */
  channel?: string;
  status?: number;
  retryAfter?: number;
  error?: string;
}

/** The stand-in's Web API: where the example's activity posts, and what it received. */
export interface SlackWebApiStandIn {
  /** Give the example's worker this as its Slack API URL. */
  url: string;
  /** Where its response URLs live (`<origin>/response/<id>`), for the clicks it makes. */
  origin: string;
  messages: PostedMessage[];
  /** `chat.update` calls, in order. */
  updates: UpdatedMessage[];
  /** Every Web API call and how it was answered (HTTP status, and Slack's error if any), in order. */
  calls: Array<{ method: string; status: number; error?: string }>;
  /** Failures to answer the next calls with, taken first to last (push more at any time). */
  faults: SlackFault[];
  /** Posts to its response URLs, in order. */
  responses: ResponseUrlPost[];
  close(): Promise<void>;
}

type Blocks = Array<{ type: string; elements?: Array<{ action_id?: string; value?: string }> }>;

/** A Web API body, form-encoded (how `@slack/web-api` sends it, objects as JSON strings) or JSON. */
function parseApiBody(contentType: string | undefined, raw: string): Record<string, unknown> {
  if (contentType?.startsWith('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const fields: Record<string, unknown> = Object.fromEntries(new URLSearchParams(raw));
  if (typeof fields.blocks === 'string') fields.blocks = JSON.parse(fields.blocks);
  return fields;
}

const buttonsOf = (blocks: Blocks) => blocks.filter((block) => block.type === 'actions').flatMap((block) => block.elements ?? []).map((e) => ({ actionId: e.action_id ?? '', value: e.value ?? '' }));

/**
 * A stand-in for Slack's Web API on a local port (0: any free one): `chat.postMessage` answers
 * `{ ok: true, channel, ts }` as Slack does and hands each message to `onMessage`; `chat.update`
 * rewrites a posted message (`message_not_found` for an unknown `ts`). With `token`, any other
 * bearer token is `invalid_auth`; a channel named `C0MISSING` is `channel_not_found`; `faults`
 * makes the next calls fail as Slack can (500, 429 with `Retry-After`).
 */
export function startSlackWebApi(options: { port?: number; onMessage?: (message: PostedMessage) => void; token?: string } = {}): Promise<SlackWebApiStandIn> {
  const messages: PostedMessage[] = [];
  const updates: UpdatedMessage[] = [];
  const calls: SlackWebApiStandIn['calls'] = [];
  const faults: SlackFault[] = [];
  const responses: ResponseUrlPost[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const method = (request.url ?? '').replace(/^\/api\//, '');
      const answer = (status: number, body: { ok: boolean; error?: string } & Record<string, unknown>, headers: Record<string, string> = {}) => {
        if (request.url?.startsWith('/api/')) calls.push({ method, status, ...(body.error ? { error: body.error } : {}) });
        response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      };
      if (request.method === 'POST' && request.url?.startsWith('/response/')) {
        try {
          responses.push({ path: request.url, body: JSON.parse(raw) });
        } catch {
          return answer(400, { ok: false, error: 'invalid_json' });
        }
        return answer(200, { ok: true });
      }
      if (request.method !== 'POST' || (method !== 'chat.postMessage' && method !== 'chat.update')) return answer(404, { ok: false, error: 'unknown_method' });
      let channel: string | undefined;
      try {
        channel = parseApiBody(request.headers['content-type'], raw).channel as string | undefined;
      } catch {
        channel = undefined;
      }
      const faultAt = faults.findIndex((fault) => (fault.method === undefined || fault.method === method) && (fault.channel === undefined || fault.channel === channel));
      if (faultAt >= 0) {
        const [fault] = faults.splice(faultAt, 1);
        if (fault!.error) return answer(200, { ok: false, error: fault!.error });
        const status = fault!.status ?? 500;
        return answer(status, { ok: false, error: status === 429 ? 'ratelimited' : 'internal_error' }, fault!.retryAfter === undefined ? {} : { 'retry-after': String(fault!.retryAfter) });
      }
      const bearer = request.headers.authorization?.startsWith('Bearer ') ? request.headers.authorization.slice(7) : undefined;
      if (!bearer) return answer(200, { ok: false, error: 'not_authed' });
      if (options.token !== undefined && bearer !== options.token) return answer(200, { ok: false, error: 'invalid_auth' });
      let body: { channel?: string; text?: string; ts?: string; blocks?: Blocks };
      try {
        body = parseApiBody(request.headers['content-type'], raw) as typeof body;
      } catch {
        return answer(200, { ok: false, error: 'invalid_json' });
      }
      if (body.channel === 'C0MISSING') return answer(200, { ok: false, error: 'channel_not_found' });
      const blocks = (body.blocks ?? []) as Blocks;
      if (method === 'chat.update') {
        const message = messages.find((each) => each.ts === body.ts && each.channel === body.channel);
        if (!message) return answer(200, { ok: false, error: 'message_not_found' });
        Object.assign(message, { text: body.text ?? '', blocks, buttons: buttonsOf(blocks) });
        updates.push({ channel: message.channel, ts: message.ts, text: message.text, blocks: message.blocks });
        return answer(200, { ok: true, channel: message.channel, ts: message.ts, text: message.text });
      }
      const ts = `${Math.floor(Date.now() / 1000)}.${String(messages.length + 1).padStart(6, '0')}`;
      const message: PostedMessage = { channel: body.channel ?? '', text: body.text ?? '', ts, buttons: buttonsOf(blocks), blocks: blocks as Array<Record<string, unknown>> };
      messages.push(message);
      answer(200, { ok: true, channel: message.channel, ts });
      options.onMessage?.(message);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/api`,
        origin: `http://127.0.0.1:${port}`,
        messages,
        updates,
        calls,
        faults,
        responses,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
