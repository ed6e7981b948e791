import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore } from '#shared/storage/object-store.ts';

/** The source changed or is not what the job says (a later upload replaced it). */
export class SourceChangedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SourceChangedError';
  }
}

/**
 * Streams the source to local disk, refusing it when its eTag is not the job's or when it
 * carries more bytes than the job declared (the byte bound holds even if a server lies).
 */
export async function downloadSource(
  store: ObjectStore,
  source: { bucket: string; key: string; etag: string; bytes: number },
  path: string,
  signal: AbortSignal,
): Promise<void> {
  const { body, head } = await store.get(source.bucket, source.key);
  if (head.etag !== source.etag) {
    body.destroy();
    throw new SourceChangedError(`the source is now ${head.etag}, the job was made for ${source.etag}`);
  }
  let seen = 0;
  const bound = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > source.bytes)
        done(new SourceChangedError(`the source is longer than ${source.bytes} bytes`));
      else done(null, chunk);
    },
  });
  await pipeline(body, bound, createWriteStream(path, { mode: 0o600 }), { signal });
  if (seen !== source.bytes)
    throw new SourceChangedError(`read ${seen} of ${source.bytes} bytes of the source`);
}
