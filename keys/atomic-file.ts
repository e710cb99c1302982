import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

async function writeTemp(file: string, data: string, mode: number): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = tempPathFor(file);
  const handle = await fs.open(temp, 'wx', mode);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/**
 * Replaces `file` with `data` atomically: readers see the old content or the new, never a torn
 * write, even if the process dies half-way. Used for the API key store.
 */
export async function writeFileAtomic(file: string, data: string, mode = 0o600): Promise<void> {
  const temp = await writeTemp(file, data, mode);
  try {
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

/**
 * Creates `file` with `data` only if it does not exist yet, atomically. Returns false when
 * another process created it first. Used so concurrently starting processes agree on one value.
 */
export async function createFileExclusive(file: string, data: string, mode = 0o600): Promise<boolean> {
  const temp = await writeTemp(file, data, mode);
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
