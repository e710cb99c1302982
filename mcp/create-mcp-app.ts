import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { ApiKeyStore } from '../api-keys';
import { CallbackError, isCallbackError } from '../protocol/errors';
import { createMcpServer, type McpServerOptions } from './create-mcp-server';

/** The API key scope that lets a key call the MCP server's tools. */
export const MCP_SCOPE = 'mcp:call';
const DEFAULT_PATH = '/mcp';
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const SESSION_HEADER = 'mcp-session-id';

/** Options of {@link createMcpApp}: the server's ({@link McpServerOptions}) and how it is served. */
export interface McpAppOptions extends Omit<McpServerOptions, 'signal'> {
  /**
   * Keys that may call the tools (the gateway's `api-keys` store): every request then needs
   * `Authorization: Bearer <key>` with the `mcp:call` scope, and a session stays with the key that
   * opened it. Without it the endpoint is open: put the deployment's own authentication in front.
   */
  apiKeys?: ApiKeyStore;
  /** Where the endpoint is served. Default `/mcp`. */
  path?: string;
  /** The largest request body, bytes. Default 1 MiB. */
  maxBodyBytes?: number;
}

/** The MCP endpoint's Express app and how to close its sessions. */
export interface McpApp {
  /** The Express app: `app.listen(port)`. */
  app: Express;
  /** Closes every open session (their waiting calls stop; the workflows go on). */
  close(): Promise<void>;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  closed: AbortController;
  keyId?: string;
}

function jsonRpcError(res: Response, status: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
}

function bearerOf(req: Request): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization')?.trim() ?? '');
  return match?.[1];
}

/**
 * Serves the MCP server of {@link createMcpServer} over MCP's Streamable HTTP transport (the
 * SDK's `StreamableHTTPServerTransport`), with sessions: each session gets its own server, so a
 * tool call can send its URL elicitation on the call's stream and read the client's answer.
 * `POST`, `GET` and `DELETE` on `path`; with `apiKeys`, a bearer API key with the `mcp:call`
 * scope on every request (refused with the gateway's codes, `API_KEY_MISSING`, `API_KEY_INVALID`, ...).
 *
 * @example
 * ```ts
 * const { app } = createMcpApp({ client, tools, inboxUrl: 'https://gateway.example.com/inbox', apiKeys });
 * app.listen(3001);
 * ```
 */
export function createMcpApp(options: McpAppOptions): McpApp {
  const { apiKeys, path = DEFAULT_PATH, maxBodyBytes = DEFAULT_MAX_BODY_BYTES, ...serverOptions } = options;
  const sessions = new Map<string, Session>();
  const app = express();
  app.disable('x-powered-by');

  const authenticate: RequestHandler = async (req, res, next) => {
    if (!apiKeys) return next();
    const presented = bearerOf(req);
    if (!presented) throw new CallbackError('API_KEY_MISSING', `The MCP endpoint needs an API key with the ${MCP_SCOPE} scope, as Authorization: Bearer.`);
    res.locals.mcpKeyId = (await apiKeys.verify(presented, MCP_SCOPE)).id;
    next();
  };

  const sessionOf = (req: Request, res: Response): Session | undefined => {
    const id = req.get(SESSION_HEADER);
    const session = id === undefined ? undefined : sessions.get(id);
    if (!session) {
      jsonRpcError(res, id === undefined ? 400 : 404, id === undefined ? 'No MCP session: initialize first.' : 'Unknown or closed MCP session: initialize a new one.');
      return undefined;
    }
    if (session.keyId !== res.locals.mcpKeyId) {
      jsonRpcError(res, 404, 'Unknown or closed MCP session: initialize a new one.');
      return undefined;
    }
    return session;
  };

  app.post(path, authenticate, express.json({ limit: maxBodyBytes }), async (req, res) => {
    if (req.get(SESSION_HEADER) === undefined && isInitializeRequest(req.body)) {
      const closed = new AbortController();
      const session: Session = { closed, keyId: res.locals.mcpKeyId as string | undefined } as Session;
      session.transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, session),
      });
      session.transport.onclose = () => {
        closed.abort();
        if (session.transport.sessionId) sessions.delete(session.transport.sessionId);
      };
      await createMcpServer({ ...serverOptions, signal: closed.signal }).connect(session.transport);
      await session.transport.handleRequest(req, res, req.body);
      return;
    }
    const session = sessionOf(req, res);
    if (session) await session.transport.handleRequest(req, res, req.body);
  });
  const bySession: RequestHandler = async (req, res) => {
    const session = sessionOf(req, res);
    if (session) await session.transport.handleRequest(req, res);
  };
  app.get(path, authenticate, bySession);
  app.delete(path, authenticate, bySession);

  app.use((_req, res) => void res.status(404).json({ error: { code: 'ROUTE_NOT_FOUND', message: `No route here; the MCP endpoint is ${path}.` } }));
  const onError: ErrorRequestHandler = (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const error = isCallbackError(err) ? err : new CallbackError('INTERNAL_ERROR', 'The MCP endpoint failed; see its log.');
    res.status(error.status).json({ error: { code: error.code, message: error.message } });
  };
  app.use(onError);

  return {
    app,
    async close() {
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.all(open.map((session) => session.transport.close()));
    },
  };
}
