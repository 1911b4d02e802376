/**
 * Files written whole or not at all: each goes to a temporary name in the same directory and is
 * renamed when complete (never a half-written report), in ~60 KiB writes, with the SHA-256 of the
 * bytes written. Several renderings of one report are written at once (renderTogether), so each
 * reason sentence is built once for all of them.
 */
import { createHash } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { MeshprobeError } from '../shared/errors.js';
import { renderTogether, type Chunks, type Piece } from './reporters/index.js';

/**
 * Characters gathered before one write(2) when streaming text to a file. Kept below V8's
 * large-object size (128 KiB), so each piece dies young instead of piling up in the old
 * generation until a full GC (which is what made peak RSS follow the report's size).
 */
export const WRITE_CHUNK = 60 * 1024;

/** The error for a failed file operation, naming the path. */
export function ioError(action: string, path: string, err: unknown): MeshprobeError {
  const code = (err as { code?: string }).code ?? 'error';
  return new MeshprobeError('E_IO', `cannot ${action} ${path} (${code})`, {
    hint: 'Check the path exists and is writable (--output-dir).',
    cause: err,
  });
}

/** Write all of `text` at the handle's position. */
export async function writeAll(handle: FileHandle, text: string, hash?: ReturnType<typeof createHash>): Promise<void> {
  const buf = Buffer.from(text, 'utf8');
  hash?.update(buf);
  for (let off = 0; off < buf.length; ) off += (await handle.write(buf, off)).bytesWritten;
}

/** A file being written atomically. */
interface AtomicFile {
  /** Add text; a returned promise (a ~60 KiB write) must settle before the next call. */
  readonly write: (text: string) => Promise<void> | undefined;
  /** Write the rest, close and rename into place; the SHA-256 of the file. */
  readonly finish: () => Promise<string>;
  /** Close and remove the temporary file (after a failure elsewhere). */
  readonly abandon: () => Promise<void>;
}

async function openAtomic(path: string): Promise<AtomicFile> {
  const tmp = join(path, '..', `.${basename(path)}.tmp-${process.pid}`);
  const hash = createHash('sha256');
  const handle = await open(tmp, 'w').catch((err: unknown) => {
    throw ioError('write', path, err);
  });
  let parts: string[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    const text = parts.join('');
    parts = [];
    size = 0;
    await writeAll(handle, text, hash).catch((err: unknown) => {
      throw ioError('write', path, err);
    });
  };
  return {
    write(text) {
      parts.push(text);
      size += text.length;
      return size >= WRITE_CHUNK ? flush() : undefined;
    },
    async finish() {
      await flush();
      try {
        await handle.close();
        await rename(tmp, path);
      } catch (err) {
        throw ioError('write', path, err);
      }
      return hash.digest('hex');
    },
    async abandon() {
      await handle.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
    },
  };
}

/** Stream chunks to path atomically. Returns the SHA-256 of the bytes written. */
export async function writeAtomic(path: string, chunks: Chunks): Promise<string> {
  return (await writeTogether(join(path, '..'), { [basename(path)]: () => chunks }, []))[0] ?? '';
}

/**
 * Write several renderings of one report into dir at once, each atomically (renderTogether with
 * the report's verdicts). Returns the SHA-256 of each file, in the order of `files`.
 */
export async function writeTogether(
  dir: string,
  files: Readonly<Record<string, () => Iterable<Piece>>>,
  verdicts: readonly object[],
): Promise<string[]> {
  const opened: AtomicFile[] = [];
  try {
    for (const name of Object.keys(files)) opened.push(await openAtomic(join(dir, name)));
    const renderings = Object.values(files).map((pieces, i) => ({
      pieces: pieces(),
      write: (opened[i] as AtomicFile).write,
    }));
    await renderTogether(verdicts, renderings);
    const digests: string[] = [];
    for (const f of opened) digests.push(await f.finish());
    return digests;
  } catch (err) {
    for (const f of opened) await f.abandon();
    throw err;
  }
}
