import { once } from 'node:events';
import type { Express } from 'express';
import { createGatewayServer, type GatewayServerLimits } from '../../callback-gateway/http-server';

/** An app listening on a free loopback port. */
export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `app` as the gateway does (same server limits and refusals) on a free port of 127.0.0.1. */
export async function listen(app: Express, limits?: GatewayServerLimits): Promise<Listening> {
  const server = createGatewayServer(app, limits);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
