/**
 * Raised when the environment holds a missing or malformed setting; the message names the variable.
 * In a module of its own so token code can throw it without loading lib/config.ts.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'INVALID_CONFIG';
}
