import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import express from 'express';

/** A ticket in the stand-in ticketing system. */
export interface Ticket {
  id: string;
  title: string;
  description: string;
  requester: string;
  status: 'open' | 'assigned';
  assignee?: string;
  sla?: string;
  /** How the callbacks to the workflow went: requests made and the last HTTP status (0 = no answer). */
  callback: { attempts: number; lastStatus?: number; delivered: boolean };
}

/** Options for {@link startTicketingSystem}. */
export interface TicketingSystemOptions {
  /** Port to listen on (0 = any free port). Default 8090. */
  port?: number;
  /** How long after a ticket is created it gets assigned and the callback URL is called. Default 1500 ms. */
  assignAfterMs?: number;
  /** Who gets a ticket, and its SLA. Default: a fixed rota. */
  assign?: (ticket: Ticket) => { assignee: string; sla: string };
  /**
   * `together` (default): one callback with the assignee and the SLA. `separately`: the assignee,
   * then the SLA, in two callbacks, as ticketing systems that report each field change do.
   */
  updates?: 'together' | 'separately';
  /** How many times a failed callback is retried (connection errors, 5xx, 429). Default 8. */
  maxCallbackAttempts?: number;
  /** Receives a line for each thing the system does. */
  log?: (line: string) => void;
}

/** A running stand-in ticketing system. */
export interface TicketingSystem {
  url: string;
  tickets: ReadonlyMap<string, Ticket>;
  /** Resolves when the ticket's callback was answered 2xx, or the system gave up on it. */
  settled(ticketId: string): Promise<Ticket>;
  close(): Promise<void>;
}

const ROTA = [
  { assignee: 'alice@support.example', sla: '4h' },
  { assignee: 'bob@support.example', sla: '8h' },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a small ticketing system that behaves like a real one towards a workflow: `POST
 * /tickets` with a `callbackUrl` opens a ticket; a moment later the ticket is assigned and the
 * system POSTs `{ ticketId, assignee, sla }` to the callback URL, retrying like real senders do.
 * `GET /tickets/:id` shows a ticket. Used by `npm run demo` and the tests.
 */
export async function startTicketingSystem(options: TicketingSystemOptions = {}): Promise<TicketingSystem> {
  const assignAfterMs = options.assignAfterMs ?? 1500;
  const maxAttempts = options.maxCallbackAttempts ?? 8;
  const log = options.log ?? (() => {});
  const assign = options.assign ?? ((ticket: Ticket) => ROTA[Number.parseInt(ticket.id.slice(-1), 16) % ROTA.length]!);
  const tickets = new Map<string, Ticket>();
  const byIdempotencyKey = new Map<string, string>();
  const settledPromises = new Map<string, Promise<Ticket>>();
  let closing = false;

  /** POSTs one update to the workflow, retrying on connection errors, 5xx and 429 like real senders. */
  async function send(ticket: Ticket, callbackUrl: string, name: string, update: Record<string, unknown>): Promise<boolean> {
    for (let attempt = 1; attempt <= maxAttempts && !closing; attempt++) {
      ticket.callback.attempts += 1;
      try {
        const response = await fetch(callbackUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `ticket-${ticket.id}-${name}` },
          body: JSON.stringify({ ticketId: ticket.id, ...update }),
          signal: AbortSignal.timeout(10_000),
        });
        ticket.callback.lastStatus = response.status;
        await response.body?.cancel();
        if (response.ok) {
          log(`callback '${name}' for ticket ${ticket.id} answered ${response.status}`);
          return true;
        }
        if (response.status < 500 && response.status !== 429) break;
      } catch {
        ticket.callback.lastStatus = 0;
      }
      await sleep(Math.min(200 * 2 ** (attempt - 1), 5_000));
    }
    log(`callback '${name}' for ticket ${ticket.id} not delivered (last status ${ticket.callback.lastStatus})`);
    return false;
  }

  async function callBack(ticket: Ticket, callbackUrl: string): Promise<Ticket> {
    await sleep(assignAfterMs);
    Object.assign(ticket, { status: 'assigned' }, assign(ticket));
    log(`ticket ${ticket.id} assigned to ${ticket.assignee} (SLA ${ticket.sla}); calling the workflow back`);
    const updates: Array<[string, Record<string, unknown>]> =
      options.updates === 'separately'
        ? [
            ['assigned', { assignee: ticket.assignee }],
            ['sla-set', { sla: ticket.sla }],
          ]
        : [['assigned', { assignee: ticket.assignee, sla: ticket.sla }]];
    let delivered = true;
    for (const [name, update] of updates) {
      delivered = (await send(ticket, callbackUrl, name, update)) && delivered;
    }
    ticket.callback.delivered = delivered;
    return ticket;
  }

  const app = express();
  app.use(express.json());
  app.post('/tickets', (req, res) => {
    const { title, description, requester, callbackUrl } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof title !== 'string' || typeof callbackUrl !== 'string' || !URL.canParse(callbackUrl)) {
      res.status(400).json({ error: 'title and an absolute callbackUrl are required' });
      return;
    }
    const key = req.get('idempotency-key');
    const existing = key && byIdempotencyKey.get(key);
    if (existing) {
      res.status(200).json(tickets.get(existing));
      return;
    }
    const ticket: Ticket = {
      id: randomUUID().replaceAll('-', '').slice(0, 12),
      title,
      description: typeof description === 'string' ? description : '',
      requester: typeof requester === 'string' ? requester : 'unknown',
      status: 'open',
      callback: { attempts: 0, delivered: false },
    };
    tickets.set(ticket.id, ticket);
    if (key) byIdempotencyKey.set(key, ticket.id);
    settledPromises.set(ticket.id, callBack(ticket, callbackUrl));
    log(`ticket ${ticket.id} opened: "${title}"`);
    res.status(201).json(ticket);
  });
  app.get('/tickets/:id', (req, res) => {
    const ticket = tickets.get(req.params.id);
    if (ticket) res.json(ticket);
    else res.status(404).json({ error: 'no such ticket' });
  });

  const server: Server = app.listen(options.port ?? 8090, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}`,
    tickets,
    settled(ticketId) {
      const settled = settledPromises.get(ticketId);
      if (!settled) return Promise.reject(new Error(`no ticket ${ticketId}`));
      return settled;
    },
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
