import { promises as fs } from 'node:fs';
import { z } from 'zod';
import { writeOwnerOnlyFile } from '../keys/atomic-file';
import { CallbackError } from '../protocol/errors';
import { generateApiKey, parseApiKey, secretMatches } from './api-key';
import type { ApiKeyInfo, ApiKeyRecord, ApiKeyStore } from './api-key-store';

const recordSchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  createdAt: z.string(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  revokedAt: z.string().optional(),
  expiresAt: z.string().optional(),
});

const fileSchema = z.object({ version: z.literal(1), keys: z.array(recordSchema) });

type KeyFile = z.infer<typeof fileSchema>;

/** Options for creating a key with {@link FileApiKeyStore.create}. */
export interface CreateApiKeyOptions {
  name: string;
  scopes: string[];
  expiresAt?: Date;
}

function info({ hash: _hash, ...rest }: ApiKeyRecord): ApiKeyInfo {
  return rest;
}

/** How often a key's last use is written, at most: often enough to audit, rarely enough to cost nothing. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The embedded key store: one JSON file, replaced atomically on every change, readable by any
 * number of gateways. Each check looks at the file's modification time and reloads it when it
 * changed, so a key revoked with `durable-callbacks keys revoke` is refused at once, without a
 * restart.
 *
 * Gateways never write the key file: a write racing a revocation could undo it. When each key
 * was last used goes to a separate file beside it (`<file>.last-used.json`), at most once a
 * minute per key; with several gateways the latest writer wins, which is all it needs.
 */
export class FileApiKeyStore implements ApiKeyStore {
  private cache?: { ino: number; mtimeMs: number; size: number; byId: Map<string, ApiKeyRecord> };
  private readonly lastRecorded = new Map<string, number>();
  private usageWrite: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  /** Where last-use times are kept. */
  get usageFile(): string {
    return `${this.file}.last-used.json`;
  }

  async verify(presented: string, scope: string): Promise<ApiKeyInfo> {
    const parsed = parseApiKey(presented);
    const record = parsed && (await this.load()).get(parsed.id);
    // Unknown id and wrong secret answer alike, so probing reveals nothing about which ids exist.
    if (!parsed || !record || !secretMatches(parsed.secret, record.hash)) {
      throw new CallbackError('API_KEY_INVALID', 'The API key is not valid.');
    }
    if (record.revokedAt) throw new CallbackError('API_KEY_REVOKED', `API key ${record.id} was revoked.`);
    if (record.expiresAt && Date.parse(record.expiresAt) <= Date.now()) {
      throw new CallbackError('API_KEY_EXPIRED', `API key ${record.id} expired at ${record.expiresAt}.`);
    }
    if (!record.scopes.includes(scope)) {
      throw new CallbackError('API_KEY_FORBIDDEN', `API key ${record.id} does not have the '${scope}' scope needed to deliver callbacks.`);
    }
    this.recordUse(record.id);
    return info(record);
  }

  /** Resolves once every last-use write started so far has finished (for tests and shutdown). */
  flushUsage(): Promise<void> {
    return this.usageWrite;
  }

  private recordUse(id: string): void {
    const now = Date.now();
    if (now - (this.lastRecorded.get(id) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    this.lastRecorded.set(id, now);
    // Off the request path, one write at a time; a failed write only loses an audit timestamp.
    this.usageWrite = this.usageWrite
      .then(async () => {
        const usage = await this.readUsage();
        usage[id] = new Date(now).toISOString();
        await writeOwnerOnlyFile(this.usageFile, `${JSON.stringify(usage, null, 2)}\n`);
      })
      .catch(() => undefined);
  }

  private async readUsage(): Promise<Record<string, string>> {
    try {
      const parsed = z.record(z.string(), z.string()).safeParse(JSON.parse(await fs.readFile(this.usageFile, 'utf8')));
      return parsed.success ? parsed.data : {};
    } catch {
      return {};
    }
  }

  /** Creates a key and returns it in full; this is the only time the key itself is available. */
  async create(options: CreateApiKeyOptions): Promise<{ key: string; info: ApiKeyInfo }> {
    const generated = generateApiKey();
    const record: ApiKeyRecord = {
      id: generated.id,
      name: options.name,
      scopes: [...new Set(options.scopes)],
      createdAt: new Date().toISOString(),
      hash: generated.hash,
      ...(options.expiresAt ? { expiresAt: options.expiresAt.toISOString() } : {}),
    };
    const file = await this.readFile();
    file.keys.push(record);
    await this.writeFile(file);
    return { key: generated.key, info: info(record) };
  }

  /** Lists every key, revoked ones included, without hashes, with when each was last used. */
  async list(): Promise<ApiKeyInfo[]> {
    const usage = await this.readUsage();
    return (await this.readFile()).keys.map((record) => ({ ...info(record), ...(usage[record.id] ? { lastUsedAt: usage[record.id] } : {}) }));
  }

  /**
   * Revokes the key with `id`. Returns false when there is no such key; revoking twice keeps the
   * first revocation time.
   */
  async revoke(id: string): Promise<boolean> {
    const file = await this.readFile();
    const record = file.keys.find((key) => key.id === id);
    if (!record) return false;
    record.revokedAt ??= new Date().toISOString();
    await this.writeFile(file);
    return true;
  }

  private async load(): Promise<Map<string, ApiKeyRecord>> {
    let stat: { ino: number; mtimeMs: number; size: number };
    try {
      stat = await fs.stat(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw err;
    }
    if (this.cache && this.cache.ino === stat.ino && this.cache.mtimeMs === stat.mtimeMs && this.cache.size === stat.size) return this.cache.byId;
    const file = await this.readFile();
    this.cache = { ino: stat.ino, mtimeMs: stat.mtimeMs, size: stat.size, byId: new Map(file.keys.map((key) => [key.id, key])) };
    return this.cache.byId;
  }

  private async readFile(): Promise<KeyFile> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: [] };
      throw err;
    }
    const result = fileSchema.safeParse(JSON.parse(text));
    if (!result.success) throw new Error(`The API key file ${this.file} is not in the expected format: ${result.error.message}`);
    return result.data;
  }

  private async writeFile(file: KeyFile): Promise<void> {
    await writeOwnerOnlyFile(this.file, `${JSON.stringify(file, null, 2)}\n`);
  }
}
