import { timingSafeEqual } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';

/** Options for {@link createCodecServer}. */
export interface CodecServerOptions {
  codec: PayloadCodec;
  /** The Temporal Web UI's origin, allowed to call from the browser (CORS). */
  allowedOrigin: string;
  /** When set, requests must send `Authorization: Bearer <token>`. */
  authToken?: string;
}

const bodySchema = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })).max(1000),
});

type JsonPayload = z.infer<typeof bodySchema>['payloads'][number];

function fromJson(payload: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [name, value] of Object.entries(payload.metadata ?? {})) metadata[name] = Buffer.from(value, 'base64');
  return { metadata, data: Buffer.from(payload.data ?? '', 'base64') };
}

function toJson(payload: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload.metadata ?? {})) metadata[name] = Buffer.from(value).toString('base64');
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}

/**
 * The remote codec endpoint the Temporal Web UI and CLI call to show decrypted payloads to
 * whoever may see them (`POST /decode`, `POST /encode`, Temporal's codec-server protocol). It
 * decrypts, so it is not the gateway and must not face the internet: bind it to a private
 * address and set an auth token.
 */
export function createCodecServer(options: CodecServerOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const expected = options.authToken ? Buffer.from(`Bearer ${options.authToken}`) : undefined;

  app.use((req, res, next) => {
    if (req.get('origin') === options.allowedOrigin) {
      res.set({
        'Access-Control-Allow-Origin': options.allowedOrigin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Content-Type, X-Namespace, Authorization',
        Vary: 'Origin',
      });
    }
    res.set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    if (req.method === 'OPTIONS') return void res.status(204).end();
    next();
  });

  const authorize: RequestHandler = (req, res, next) => {
    if (!expected) return next();
    const given = Buffer.from(req.get('authorization') ?? '');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    res.status(401).json({ error: { code: 'UNAUTHORIZED', message: 'Send Authorization: Bearer <codec server token>.' } });
  };

  for (const operation of ['encode', 'decode'] as const) {
    app.post(`/${operation}`, authorize, express.json({ limit: '4mb' }), async (req, res) => {
      const body = bodySchema.safeParse(req.body);
      if (!body.success) {
        res.status(400).json({ error: { code: 'MALFORMED_BODY', message: 'Expected {"payloads":[{"metadata":{...},"data":"<base64>"}]}.' } });
        return;
      }
      try {
        const payloads = await options.codec[operation](body.data.payloads.map(fromJson));
        res.json({ payloads: payloads.map(toJson) });
      } catch (err) {
        res.status(422).json({ error: { code: 'CODEC_FAILED', message: `Could not ${operation} the payloads: ${(err as Error).message}` } });
      }
    });
  }
  app.use((_req, res) => void res.status(404).json({ error: { code: 'ROUTE_NOT_FOUND', message: 'The codec server has POST /encode and POST /decode.' } }));
  return app;
}
