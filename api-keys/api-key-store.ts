/** An API key as stored: never the key itself, only its id and the hash of its secret. */
export interface ApiKeyRecord {
  id: string;
  /** Who or what the key is for, e.g. `ticketing`. */
  name: string;
  scopes: string[];
  createdAt: string;
  /** SHA-256 of the key's secret, hex. */
  hash: string;
  /** Set once the key is revoked; a revoked key is refused from then on. */
  revokedAt?: string;
  /** After this instant the key is refused. */
  expiresAt?: string;
}

/** What callers may see of a key: everything but its hash, plus when it was last used (if known). */
export type ApiKeyInfo = Omit<ApiKeyRecord, 'hash'> & { lastUsedAt?: string };

/**
 * Checks API keys presented with callback requests. The gateway depends on this interface only,
 * so a deployment can back it with its own key service.
 */
export interface ApiKeyStore {
  /**
   * Returns the key's record if `presented` is a valid, unrevoked, unexpired key holding `scope`.
   * @throws `CallbackError` with `API_KEY_INVALID`, `API_KEY_REVOKED`, `API_KEY_EXPIRED` or `API_KEY_FORBIDDEN`.
   */
  verify(presented: string, scope: string): Promise<ApiKeyInfo>;
}
