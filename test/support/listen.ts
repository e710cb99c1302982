import { once } from 'node:events';
import type { Server } from 'node:http';
import type { Express } from 'express';

/** An app listening on a free loopback port. */
export interface Listening {
  url: string;
  close(): Promise<void>;
}

/** Listens on a free port of 127.0.0.1 and returns the base URL. */
export async function listen(app: Express): Promise<Listening> {
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
