import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { isSafeRelativeKey } from '#shared/video/media-layout.ts';

const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  jpg: 'image/jpeg',
  json: 'application/json',
};

export function contentTypeFor(key: string): string {
  return CONTENT_TYPES[key.slice(key.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}

/**
 * Uploads the attempt's files from `dir` under `prefix`, a few at a time, checking each local
 * size against what the transcoder reported. `onUploaded` sees the running byte count.
 */
export async function uploadOutputs(
  store: ObjectStore,
  target: { bucket: string; prefix: string; dir: string },
  files: readonly { key: string; bytes: number }[],
  options: { concurrency?: number; signal: AbortSignal; onUploaded?: (done: number, total: number) => void },
): Promise<void> {
  const queue = [...files];
  const total = files.length;
  let done = 0;
  const next = async (): Promise<void> => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      options.signal.throwIfAborted();
      if (!isSafeRelativeKey(file.key)) throw new RangeError(`unsafe output name ${file.key}`);
      const path = join(target.dir, file.key);
      const { size } = await stat(path);
      if (size !== file.bytes)
        throw new Error(`${file.key} is ${size} bytes on disk, ${file.bytes} reported`);
      // 1 MiB reads: a tenth of the chunks (and of their garbage) of the 64 KiB default.
      await store.put(
        target.bucket,
        `${target.prefix}${file.key}`,
        createReadStream(path, { highWaterMark: 1 << 20 }),
        {
          contentType: contentTypeFor(file.key),
          contentLength: size,
          signal: options.signal,
        },
      );
      done += 1;
      options.onUploaded?.(done, total);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 6, total) }, next));
}
