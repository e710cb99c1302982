import { once } from 'node:events';
import type { Express } from 'express';
import { createGatewayServer, type GatewayServerLimits } from '../../callback-gateway/http-server';

/** An app listening on a free loopback port. */
export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `app` as the gateway does (same server limits and refusals) on `port` (default: a free one) of 127.0.0.1. */
export async function listen(app: Express, limits?: GatewayServerLimits, port = 0): Promise<Listening> {
  const server = createGatewayServer(app, limits);
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const { port: bound } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
