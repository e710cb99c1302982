import type http from 'node:http';
import type { Client } from '@temporalio/client';
import type { CryptoKey } from 'jose';
import type { TokenIdentity } from '../../../tokens/callback-token';
import type { GatewayProcess } from './gateway-process';
import type { Probe } from './probe';
import type { CpuSource } from './proc-cpu';

/** What every benchmark gets from the runner. */
export interface BenchContext {
  /** Unique per run; prefixes workflow ids. */
  runId: string;
  temporalAddress: string;
  namespace: string;
  client: Client;
  /** Task queue of the in-process bench worker. */
  taskQueue: string;
  /** Fed by the in-process worker's probe activities. */
  probe: Probe;
  /** When each workflow's `generateCallbackUrl` runs started, by workflow id (in-process worker). */
  mintLog: Map<string, number[]>;
  /** The real gateway (real Temporal client), in its own process. */
  gateway: GatewayProcess;
  /** The same gateway with a `NativeConnection` Temporal client, when measured (`BENCH_NATIVE_GATEWAY=0` skips it). */
  gatewayNative?: GatewayProcess;
  /** Keep-alive agent for requests to the gateways. */
  agent: http.Agent;
  signingKey: CryptoKey;
  /** The signing key's raw bytes, base64, for child processes. */
  signingKeyBase64: string;
  identity: TokenIdentity;
  /** Path of the bundled bench workflows, for child workers. */
  workflowBundlePath: string;
  /**
   * What CPU accounting counts, by name: `temporal` (the server: the dev server's pid, or on a
   * cluster every service and PostgreSQL added up), `gateway`, `gatewayNative` (when running),
   * `bench` (this process: driver and in-process worker).
   */
  pids: Record<string, CpuSource>;
  /** Fewer samples, for a smoke run (`BENCH_QUICK=1`). */
  quick: boolean;
  /** Profile the gateway processes (`BENCH_PROFILE=0` turns it off). */
  profile: boolean;
  log(message: string): void;
}
