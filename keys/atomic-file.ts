import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/** Files holding keys, key hashes or their use are readable and writable by their owner only. */
const OWNER_ONLY = 0o600;

/** Creates the folder `file` goes in, when missing, readable by its owner only. */
async function makeFolderFor(file: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
}

/**
 * Replaces `file` with `data` atomically, with write-file-atomic (a temporary file beside it,
 * fsync, rename; concurrent writes to one file from this process are queued): readers see the
 * old content or the new, never a torn write, even if the process dies half-way. What it adds to
 * write-file-atomic is what every caller here needs: the file is always owner-only (`0o600`,
 * where write-file-atomic would otherwise copy the old file's mode) and its folder is created
 * when missing. Used for the API key store and its last-use file, and for key ring files.
 */
export async function writeOwnerOnlyFile(file: string, data: string): Promise<void> {
  await makeFolderFor(file);
  await writeFileAtomic(file, data, { mode: OWNER_ONLY });
}

/**
 * Creates `file` with `data` (owner-only) only if it does not exist yet, atomically. Returns
 * false when another process created it first. Used so concurrently starting processes agree on
 * one value. Our own because write-file-atomic always replaces: here the temporary file is
 * `link`ed into place, which fails with `EEXIST` instead of replacing.
 */
export async function createFileExclusive(file: string, data: string): Promise<boolean> {
  await makeFolderFor(file);
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(temp, 'wx', OWNER_ONLY);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.link(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await fs.rm(temp, { force: true });
  }
}
