import { createReadStream, type FSWatcher, watch } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { isSafeRelativeKey } from '#shared/video/media-layout.ts';
import { contentTypeFor } from '../output-upload.ts';

/** Where the attempt's files go while they are being made. */
export interface EarlyUploadTarget {
  readonly bucket: string;
  /** The attempt's folder (`videos/<id>/v<attempt>/`); keys are relative to it and to `dir`. */
  readonly prefix: string;
  /** The local folder the keys are relative to (the job's output folder). */
  readonly dir: string;
  /** Uploads in flight; 4 by default. */
  readonly concurrency?: number;
}

/**
 * Uploads an attempt's output files while the rest is still being produced: live to VOD is
 * bound by storage round trips as much as by ffmpeg, so the stream copy and the uploads overlap
 * instead of following each other. A file is queued once it is final (a segment under its final
 * name, which ffmpeg's `temp_file` flag gives it only when complete; anything else after the
 * process that wrote it ended), read once from disk and streamed to storage.
 */
export class EarlyUpload {
  readonly #store: ObjectStore;
  readonly #target: EarlyUploadTarget;
  readonly #signal: AbortSignal;
  readonly #onError: (error: unknown) => void;
  readonly #queued = new Set<string>();
  readonly #waiting: string[] = [];
  readonly #uploaded = new Map<string, number>();
  #active = 0;
  #failure: unknown;
  #idle: (() => void)[] = [];

  constructor(
    store: ObjectStore,
    target: EarlyUploadTarget,
    options: { signal: AbortSignal; onError: (error: unknown) => void },
  ) {
    this.#store = store;
    this.#target = target;
    this.#signal = options.signal;
    this.#onError = options.onError;
  }

  /** Bytes of every file already stored, by key. */
  get uploaded(): ReadonlyMap<string, number> {
    return this.#uploaded;
  }

  /** Queues a final file (its key relative to the output folder); a key is uploaded once. */
  add(key: string): void {
    if (this.#failure !== undefined || this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#waiting.push(key);
    this.#pump();
  }

  /**
   * Queues each file of `folder` (relative to the output folder) whose name matches `pattern` as
   * it appears under that name. `finish` (the writer is done) stops watching and queues whatever
   * the watch missed; `close` (the writer failed) only stops watching.
   */
  watchFolder(folder: string, pattern: RegExp): { finish(): Promise<void>; close(): void } {
    const path = join(this.#target.dir, folder);
    let watcher: FSWatcher | undefined;
    try {
      // ffmpeg renames a segment to its final name once it is complete: that event queues it.
      watcher = watch(path, { persistent: false }, (_event, name) => {
        if (name && pattern.test(name)) this.add(`${folder}/${name}`);
      });
      watcher.on('error', () => {
        // The folder went away with a failed job; nothing more to queue from it.
      });
    } catch {
      // No watcher (an exhausted inotify limit): `finish` still queues every file.
    }
    return {
      finish: async () => {
        watcher?.close();
        for (const name of await readdir(path)) if (pattern.test(name)) this.add(`${folder}/${name}`);
      },
      close: () => watcher?.close(),
    };
  }

  /** Resolves once every queued file is stored; rejects with the first failure. */
  async drain(): Promise<void> {
    while (this.#active > 0 || (this.#waiting.length > 0 && this.#failure === undefined)) {
      await new Promise<void>((resolve) => this.#idle.push(resolve));
    }
    if (this.#failure !== undefined) throw this.#failure;
  }

  #pump(): void {
    const limit = this.#target.concurrency ?? 4;
    while (this.#active < limit && this.#waiting.length > 0 && this.#failure === undefined) {
      const key = this.#waiting.shift() as string;
      this.#active += 1;
      this.#put(key)
        .then(
          (bytes) => {
            this.#uploaded.set(key, bytes);
          },
          (error: unknown) => {
            if (this.#failure === undefined) {
              this.#failure = error;
              this.#waiting.length = 0;
              this.#onError(error);
            }
          },
        )
        .finally(() => {
          this.#active -= 1;
          this.#pump();
          for (const resolve of this.#idle.splice(0)) resolve();
        });
    }
  }

  async #put(key: string): Promise<number> {
    this.#signal.throwIfAborted();
    if (!isSafeRelativeKey(key)) throw new RangeError(`unsafe output name ${key}`);
    const path = join(this.#target.dir, key);
    const { size } = await stat(path);
    await this.#store.put(
      this.#target.bucket,
      `${this.#target.prefix}${key}`,
      // 1 MiB reads, as the attempt's other uploads (output-upload.ts). Exactly the bytes that were
      // there at stat time, so the length sent holds even if the file were still growing (then its
      // size differs from the final listing, and the job runner uploads it again).
      size === 0 ? Buffer.alloc(0) : createReadStream(path, { highWaterMark: 1 << 20, end: size - 1 }),
      { contentType: contentTypeFor(key), contentLength: size, signal: this.#signal },
    );
    return size;
  }
}
