import { NativeConnection } from '@temporalio/worker';
import type { TemporalConfig } from '../config/temporal-config';

/**
 * The worker's connection to Temporal, from the same settings (Temporal's environment
 * configuration) the gateway and the CLI use.
 */
export function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(config.connection);
}
