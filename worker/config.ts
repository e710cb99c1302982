import { z } from 'zod';
import { load, parseFields, type Env } from '../config/load-config';
import { temporalConfig, temporalSchema, type TemporalConfig } from '../config/temporal-config';
import { mintingConfig, mintingSchema, type MintingConfig } from '../activities/minting-config';

const workerSchema = temporalSchema.extend(mintingSchema.shape).extend({
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
});

/** Everything `durable-callbacks worker` needs: minting plus the connection it makes itself. */
export interface WorkerConfig extends MintingConfig {
  temporal: TemporalConfig;
  /** Workflows kept in the worker's cache; the SDK's default when unset. */
  maxCachedWorkflows?: number;
}

/** Parses the worker's configuration. @throws {@link ConfigError} naming each bad variable. */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  return load((problems) => {
    const parsed = parseFields(workerSchema, env, problems);
    return {
      ...mintingConfig(env, parsed, problems),
      temporal: temporalConfig(env, parsed, problems),
      ...(parsed.WORKER_MAX_CACHED_WORKFLOWS === undefined ? {} : { maxCachedWorkflows: parsed.WORKER_MAX_CACHED_WORKFLOWS }),
    };
  });
}

