import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createCallbackTokenMinter } from '../../tokens/mint-callback-token';
import type { BenchContext } from './support/context';
import { sampleBody } from './support/deliver';
import { startGatewayProcess, type GatewayChildConfig, type GatewayProcess } from './support/gateway-process';
import { closedLoop, keepAliveAgent } from './support/http-client';
import { BENCH_PROFILE_DIR } from './support/paths';
import { summarizeProfile, type ProfileSummary } from './support/profile-summary';
import { cpuWindow } from './support/proc-cpu';
import { median, summarize } from './support/stats';

/** Options for {@link runGatewayCost}. */
export interface GatewayCostOptions {
  concurrency: number;
  /** Length of each measured round per arm. */
  roundMs: number;
  /** Measured rounds per arm; the order of arms rotates every round. */
  rounds: number;
  /** Distinct tokens the requests cycle through. */
  tokens: number;
}

/** The servers compared. */
export type GatewayArm = 'bare' | 'gateway' | 'gateway+logs' | 'gateway-unseen';

/** One arm's round. */
export interface GatewayCostRound {
  arm: GatewayArm;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Server process CPU (user + system) per request, µs. */
  serverCpuUsPerRequest: number;
  /** Server process CPU over the round's wall time, %. */
  serverCpuPct: number;
  /** The load generator's (this process's) CPU over the round's wall time, %. */
  loadGenCpuPct: number;
  /** Answers other than 202 (must be 0). */
  errors: number;
  /** CPU of processes not ours over the round's wall time, % of one core. */
  othersCpuPct: number;
}

/** An arm's figures: medians over its rounds. */
export interface GatewayArmSummary {
  rps: number;
  p50: number;
  p99: number;
  serverCpuUsPerRequest: number;
  serverCpuPct: number;
  loadGenCpuPct: number;
  othersCpuPct: number;
  /** Spread of rps over the rounds. */
  rpsMin: number;
  rpsMax: number;
}

/** What {@link runGatewayCost} measured. */
export interface GatewayCostResult {
  options: GatewayCostOptions;
  rounds: GatewayCostRound[];
  arms: Record<GatewayArm, GatewayArmSummary>;
  /** Gateway rps over bare Express rps (median rounds). */
  ratio: number;
  /** Same for the gateway that logs a JSON line per request. */
  ratioWithLogs: number;
  /** Bare Express CPU per request over the gateway's: the ratio with the load generator taken out. */
  cpuRatio: number;
  /** Gateway rps over bare Express rps when no token is seen twice (every request verifies its signature). */
  ratioUnseen: number;
  /** CPU ratio likewise. */
  cpuRatioUnseen: number;
  errors: number;
  profiles: Partial<Record<GatewayArm, ProfileSummary>>;
}

/** The default: 5 rounds of 4 s per arm at 16 in flight. */
export const GATEWAY_COST_DEFAULTS: GatewayCostOptions = { concurrency: 16, roundMs: 4_000, rounds: 5, tokens: 1_000 };

const ARMS: GatewayArm[] = ['bare', 'gateway', 'gateway+logs', 'gateway-unseen'];

async function measure(server: GatewayProcess, arm: GatewayArm, urls: URL[], options: GatewayCostOptions, durationMs: number): Promise<GatewayCostRound> {
  const agent = keepAliveAgent(options.concurrency);
  try {
    const serverBefore = await server.cpuUsage();
    const localBefore = process.cpuUsage();
    const endCpu = cpuWindow({ server: server.pid, bench: process.pid });
    const result = await closedLoop({
      agent,
      concurrency: options.concurrency,
      durationMs,
      request: (i) => ({ url: urls[i % urls.length]!, body: JSON.stringify(sampleBody(i)) }),
    });
    const local = process.cpuUsage(localBefore);
    const cpu = endCpu();
    const serverAfter = await server.cpuUsage();
    const serverUs = serverAfter.user - serverBefore.user + (serverAfter.system - serverBefore.system);
    const latency = summarize(result.latencies);
    return {
      arm,
      requests: result.requests,
      rps: (1000 * result.requests) / result.elapsedMs,
      p50: latency.p50,
      p99: latency.p99,
      serverCpuUsPerRequest: serverUs / result.requests,
      serverCpuPct: serverUs / 10 / result.elapsedMs,
      loadGenCpuPct: (local.user + local.system) / 10 / result.elapsedMs,
      errors: result.requests - (result.statuses[202] ?? 0),
      othersCpuPct: (100 * cpu.others) / cpu.wall,
    };
  } finally {
    agent.destroy();
  }
}

/**
 * Benchmark 3. The gateway's own cost: the real gateway with every Temporal call a no-op (a stub
 * client), with and without per-request JSON logging, against a bare Express 5 app that parses the
 * same JSON body and answers 202. Each runs in its own process; one keep-alive load generator
 * drives each in turn at the same concurrency for a fixed time, arms rotating every round. Real
 * tokens, minted with the bench key, which the gateway verifies.
 */
export async function runGatewayCost(ctx: BenchContext, options: GatewayCostOptions = GATEWAY_COST_DEFAULTS): Promise<GatewayCostResult> {
  const minter = createCallbackTokenMinter(ctx.signingKey, ctx.identity);
  const tokens = await Promise.all(
    Array.from({ length: options.tokens }, (_, i) =>
      minter.mint({
        namespace: ctx.namespace,
        workflowId: `${ctx.runId}-cost-${i}`,
        callbackId: randomUUID(),
        expiresAt: new Date(Date.now() + 3_600_000),
        requiresApiKey: false,
        allowGet: false,
      }),
    ),
  );
  const base: Omit<GatewayChildConfig, 'mode' | 'logs'> = { signingKey: ctx.signingKeyBase64, identity: ctx.identity, namespace: ctx.namespace };
  const servers = {} as Record<GatewayArm, GatewayProcess>;
  try {
    servers.bare = await startGatewayProcess({ ...base, mode: 'bare', logs: 'silent' });
    servers.gateway = await startGatewayProcess({ ...base, mode: 'stub', logs: 'silent' });
    servers['gateway+logs'] = await startGatewayProcess({ ...base, mode: 'stub', logs: 'json' });
    servers['gateway-unseen'] = await startGatewayProcess({ ...base, mode: 'stub', logs: 'silent', tokenCache: 'off' });
    const urlsOf = (arm: GatewayArm) => tokens.map((token) => new URL(`/callbacks/${token}`, servers[arm].url));
    const urls = Object.fromEntries(ARMS.map((arm) => [arm, urlsOf(arm)])) as Record<GatewayArm, URL[]>;

    for (const arm of ARMS) await measure(servers[arm], arm, urls[arm], options, Math.min(2_000, options.roundMs));
    const rounds: GatewayCostRound[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const order = ARMS.map((_, k) => ARMS[(k + r) % ARMS.length]!);
      for (const arm of order) rounds.push(await measure(servers[arm], arm, urls[arm], options, options.roundMs));
      ctx.log(`gateway cost round ${r + 1}/${options.rounds}: ${rounds.slice(-ARMS.length).map((x) => `${x.arm} ${x.rps.toFixed(0)}/s`).join(', ')}`);
    }

    const profiles: Partial<Record<GatewayArm, ProfileSummary>> = {};
    if (ctx.profile) {
      for (const arm of ['gateway', 'bare'] as const) {
        const file = path.join(BENCH_PROFILE_DIR, `${arm === 'gateway' ? 'gateway-stub' : 'bare-express'}-${ctx.runId}.cpuprofile`);
        await servers[arm].startProfile();
        const profiled = await measure(servers[arm], arm, urls[arm], options, options.roundMs);
        await servers[arm].stopProfile(file);
        profiles[arm] = summarizeProfile(file, profiled.requests);
      }
    }

    const summaryOf = (arm: GatewayArm): GatewayArmSummary => {
      const mine = rounds.filter((x) => x.arm === arm);
      const pick = (f: (x: GatewayCostRound) => number) => median(mine.map(f));
      return {
        rps: pick((x) => x.rps),
        p50: pick((x) => x.p50),
        p99: pick((x) => x.p99),
        serverCpuUsPerRequest: pick((x) => x.serverCpuUsPerRequest),
        serverCpuPct: pick((x) => x.serverCpuPct),
        loadGenCpuPct: pick((x) => x.loadGenCpuPct),
        othersCpuPct: pick((x) => x.othersCpuPct),
        rpsMin: Math.min(...mine.map((x) => x.rps)),
        rpsMax: Math.max(...mine.map((x) => x.rps)),
      };
    };
    const arms = Object.fromEntries(ARMS.map((arm) => [arm, summaryOf(arm)])) as Record<GatewayArm, GatewayArmSummary>;
    return {
      options,
      rounds,
      arms,
      ratio: arms.gateway.rps / arms.bare.rps,
      ratioWithLogs: arms['gateway+logs'].rps / arms.bare.rps,
      cpuRatio: arms.bare.serverCpuUsPerRequest / arms.gateway.serverCpuUsPerRequest,
      ratioUnseen: arms['gateway-unseen'].rps / arms.bare.rps,
      cpuRatioUnseen: arms.bare.serverCpuUsPerRequest / arms['gateway-unseen'].serverCpuUsPerRequest,
      errors: rounds.reduce((sum, x) => sum + x.errors, 0),
      profiles,
    };
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.close()));
  }
}
