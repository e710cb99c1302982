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

/** A message posted to the stand-in's `chat.postMessage`. */
export interface PostedMessage {
  channel: string;
  text: string;
  ts: string;
  /** The buttons of its actions blocks. */
  buttons: Array<{ actionId: string; value: string }>;
}

/** What was posted to one of the stand-in's response URLs (`<origin>/response/...`): how the gateway answers a click. */
export interface ResponseUrlPost {
  path: string;
  body: { text?: string; response_type?: string; replace_original?: boolean };
}

/** The stand-in's Web API: where the example's activity posts, and what it received. */
export interface SlackWebApiStandIn {
  /** Give the example's worker this as its Slack API URL. */
  url: string;
  /** Where its response URLs live (`<origin>/response/<id>`), for the clicks it makes. */
  origin: string;
  messages: PostedMessage[];
  /** Posts to its response URLs, in order. */
  responses: ResponseUrlPost[];
  close(): Promise<void>;
}

/**
 * A stand-in for Slack's Web API `chat.postMessage` on a local port (0: any free one): answers
 * `{ ok: true, ts }` as Slack does, and hands each message to `onMessage`.
 */
export function startSlackWebApi(options: { port?: number; onMessage?: (message: PostedMessage) => void } = {}): Promise<SlackWebApiStandIn> {
  const messages: PostedMessage[] = [];
  const responses: ResponseUrlPost[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (status: number, body: object) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (request.method === 'POST' && request.url?.startsWith('/response/')) {
        try {
          responses.push({ path: request.url, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch {
          return answer(400, { ok: false, error: 'invalid_json' });
        }
        return answer(200, { ok: true });
      }
      if (request.method !== 'POST' || request.url !== '/api/chat.postMessage') return answer(404, { ok: false, error: 'unknown_method' });
      if (!request.headers.authorization?.startsWith('Bearer ')) return answer(200, { ok: false, error: 'not_authed' });
      let body: { channel?: string; text?: string; blocks?: Array<{ type: string; elements?: Array<{ action_id?: string; value?: string }> }> };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return answer(200, { ok: false, error: 'invalid_json' });
      }
      const ts = `${Math.floor(Date.now() / 1000)}.${String(messages.length + 1).padStart(6, '0')}`;
      const buttons = (body.blocks ?? []).filter((block) => block.type === 'actions').flatMap((block) => block.elements ?? []).map((e) => ({ actionId: e.action_id ?? '', value: e.value ?? '' }));
      const message = { channel: body.channel ?? '', text: body.text ?? '', ts, buttons };
      messages.push(message);
      answer(200, { ok: true, channel: message.channel, ts });
      options.onMessage?.(message);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/api`, origin: `http://127.0.0.1:${port}`, messages, responses, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}
