import { openSync, closeSync } from 'node:fs';
import path from 'node:path';
import type { TokenIdentity } from '../../../tokens/callback-token';
import { forkChild, type ChildChannel } from './ipc';

/** What runs in a gateway child process. */
export type GatewayMode =
  /** The real gateway with a real Temporal client (`Connection`: gRPC in JavaScript, @grpc/grpc-js), as `npm run gateway` builds it. */
  | 'temporal'
  /** The real gateway with a Temporal client over the SDK's `NativeConnection` (gRPC in the Rust core): a candidate fix, bench-only. */
  | 'temporal-native'
  /** The real gateway with every Temporal call a no-op. */
  | 'stub'
  /** A bare Express 5 app that parses the JSON body and answers 202. */
  | 'bare';

/** Configuration of a gateway child (sent as JSON). */
export interface GatewayChildConfig {
  mode: GatewayMode;
  /** The signing key, base64; the same the bench worker mints with. */
  signingKey: string;
  identity: TokenIdentity;
  namespace: string;
  temporalAddress?: string;
  /** `json`: one JSON line per request to stdout (sent to /dev/null), as `npm run gateway` logs; `silent`: none. */
  logs: 'silent' | 'json';
  /** `off`: verify every request's token afresh, as if no token were ever seen twice (the gateway's cache of verified tokens off). */
  tokenCache?: 'off';
  /** Serve provider webhooks (`POST /webhooks/:source`) as `npm run gateway` does with `WEBHOOK_SOURCES_FILE`; `temporal` modes only. */
  webhooks?: GatewayChildWebhooks;
}

/** A gateway child's provider webhooks: the settings `npm run gateway` reads from its environment. */
export interface GatewayChildWebhooks {
  /** The sources file (`WEBHOOK_SOURCES_FILE`). */
  sourcesFile: string;
  /** The variables its `secretEnv` entries name, with their secrets. */
  env: Record<string, string>;
  /** The task queue of the workers that run the mailboxes (`TEMPORAL_TASK_QUEUE`). */
  taskQueue: string;
  /** How long a mailbox the gateway starts holds events, ms (`WEBHOOK_HOLD_SECONDS`); the product's default unless set. */
  holdMs?: number;
}

/** A gateway child process. */
export interface GatewayProcess {
  url: string;
  pid: number;
  config: GatewayChildConfig;
  /** The child's `process.cpuUsage()`, in microseconds. */
  cpuUsage(): Promise<NodeJS.CpuUsage>;
  startProfile(): Promise<void>;
  /** Stops profiling and writes the `.cpuprofile` to `file`. */
  stopProfile(file: string): Promise<void>;
  close(): Promise<void>;
}

/** Forks a gateway child on a free loopback port. */
export async function startGatewayProcess(config: GatewayChildConfig): Promise<GatewayProcess> {
  // Log lines go to /dev/null, written as `npm run gateway` writes them to stdout (pino's asynchronous destination).
  const devNull = openSync('/dev/null', 'w');
  let channel: ChildChannel;
  let port: number;
  try {
    ({ channel, started: { port } } = await forkChild<{ port: number }>(path.join(__dirname, 'gateway-child.ts'), { config, stdout: devNull }));
  } finally {
    closeSync(devNull);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: channel.pid,
    config,
    cpuUsage: () => channel.request<NodeJS.CpuUsage>('cpu'),
    startProfile: () => channel.request('profile-start'),
    stopProfile: (file) => channel.request('profile-stop', { file }),
    close: () => channel.stop(),
  };
}
