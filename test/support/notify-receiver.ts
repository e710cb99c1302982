import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { NotificationWebhookEvent } from '../../workflows';

/** A webhook receiver that keeps each notification POST and checks its signature with the standardwebhooks library. */
export interface NotifyReceiver {
  url: string;
  events: Array<{ event: NotificationWebhookEvent; verified: boolean; id: string }>;
  server: Server;
  close(): Promise<void>;
}

/**
 * Starts a receiver on a local port for the webhook channel of notifications: it verifies each
 * POST with `secret` (a `whsec_…` Standard Webhooks secret) and answers 204, or 401 when the
 * signature does not verify (the event is kept either way, marked `verified: false`).
 */
export async function startNotifyReceiver(secret: string, path = '/hooks/approvals'): Promise<NotifyReceiver> {
  const events: NotifyReceiver['events'] = [];
  const verifier = new Webhook(secret);
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified = true;
      try {
        verifier.verify(body, request.headers as Record<string, string>);
      } catch {
        verified = false;
      }
      events.push({ event: JSON.parse(body) as NotificationWebhookEvent, verified, id: String(request.headers['webhook-id']) });
      response.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    events,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Waits (up to 20 s) until `check` holds, polling every 50 ms. */
export async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
