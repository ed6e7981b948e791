import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectNotFoundError, type ObjectStore } from '#shared/storage/object-store.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { type S3TestServer, startS3TestServer } from '#test/support/s3-test-server.ts';
import { EarlyUpload } from '../../../../workers/transcoder/live/early-upload.ts';

const REGION = 'local-1';
const MEDIA = 'media';
const SEGMENT = /^seg-\d{5,}\.m4s$/;

async function stored(store: ObjectStore, key: string): Promise<Buffer | undefined> {
  try {
    return Buffer.concat(await (await store.get(MEDIA, key)).body.toArray());
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}

async function until<T>(what: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Live to VOD: EarlyUpload (outputs stored while ffmpeg still writes)', () => {
  let s3: S3TestServer;
  let store: ObjectStore;
  let dir: string;

  beforeAll(async () => {
    s3 = await startS3TestServer({
      tempPrefix: 'fc-early-upload-',
      accessKeyId: 'EARLYKEY',
      secretAccessKey: 'early-secret',
      region: REGION,
      buckets: [MEDIA],
    });
    store = createS3ObjectStore({
      endpoint: s3.server.endpoint,
      region: REGION,
      accessKeyId: 'EARLYKEY',
      secretAccessKey: 'early-secret',
    });
    dir = await mkdtemp(join(tmpdir(), 'fc-early-upload-out-'));
  });

  afterAll(async () => {
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a segment once it is renamed to its final name, before the writer is done, and never a .tmp', async () => {
    // Prepare: a rendition folder being written the way ffmpeg's temp_file flag writes it
    const out = join(dir, 'watch');
    await mkdir(join(out, '720p'), { recursive: true });
    const errors: unknown[] = [];
    const upload = new EarlyUpload(
      store,
      { bucket: MEDIA, prefix: 'videos/A1/v1/', dir: out },
      { signal: new AbortController().signal, onError: (error) => errors.push(error) },
    );
    const watching = upload.watchFolder('720p', SEGMENT);
    const first = Buffer.from('first segment');

    // Act: one segment completed, the next one still in its temporary file
    await writeFile(join(out, '720p', 'seg-00001.m4s.tmp'), first);
    await rename(join(out, '720p', 'seg-00001.m4s.tmp'), join(out, '720p', 'seg-00001.m4s'));
    await writeFile(join(out, '720p', 'seg-00002.m4s.tmp'), 'half a segm');

    // Assess: the complete one is in storage while the writer is still going
    expect(await until(() => stored(store, 'videos/A1/v1/720p/seg-00001.m4s'), 10_000)).toEqual(first);
    expect(await stored(store, 'videos/A1/v1/720p/seg-00002.m4s.tmp')).toBeUndefined();

    // Act: the writer finishes its last segment and ends
    await writeFile(join(out, '720p', 'seg-00002.m4s.tmp'), 'second segment');
    await rename(join(out, '720p', 'seg-00002.m4s.tmp'), join(out, '720p', 'seg-00002.m4s'));
    await watching.finish();
    await writeFile(join(out, '720p', 'init.mp4'), 'init');
    upload.add('720p/init.mp4');
    upload.add('720p/init.mp4');
    await upload.drain();

    // Assess: everything final is stored once, at its size; nothing else
    expect(errors).toEqual([]);
    expect(Object.fromEntries(upload.uploaded)).toEqual({
      '720p/seg-00001.m4s': first.length,
      '720p/seg-00002.m4s': 14,
      '720p/init.mp4': 4,
    });
    const keys = (await store.list(MEDIA, 'videos/A1/v1/')).map((head) => head.key).sort();
    expect(keys).toEqual([
      'videos/A1/v1/720p/init.mp4',
      'videos/A1/v1/720p/seg-00001.m4s',
      'videos/A1/v1/720p/seg-00002.m4s',
    ]);
    const writes = s3.events.filter((event) => event.data.resourceName.startsWith('videos/A1/v1/'));
    expect(writes).toHaveLength(3);
    expect(await readFile(join(out, '720p', 'seg-00002.m4s'), 'utf8')).toBe('second segment');
  });

  it('reports the first failed upload once, queues nothing after it, and drain rejects with it', async () => {
    // Prepare: a bucket that does not exist, so every put fails
    const out = join(dir, 'failing');
    await mkdir(join(out, '360p'), { recursive: true });
    for (const n of [1, 2, 3]) await writeFile(join(out, '360p', `seg-0000${n}.m4s`), `segment ${n}`);
    const errors: unknown[] = [];
    const upload = new EarlyUpload(
      store,
      { bucket: 'no-such-bucket', prefix: 'videos/A2/v1/', dir: out, concurrency: 1 },
      { signal: new AbortController().signal, onError: (error) => errors.push(error) },
    );

    // Act
    upload.add('360p/seg-00001.m4s');
    upload.add('360p/seg-00002.m4s');
    const failure = await upload.drain().then(
      () => undefined,
      (error: unknown) => error,
    );
    upload.add('360p/seg-00003.m4s');

    // Assess
    expect(failure).toBeInstanceOf(Error);
    expect(errors).toEqual([failure]);
    expect(upload.uploaded.size).toBe(0);
    await expect(upload.drain()).rejects.toBe(errors[0]);
  });

  it('refuses a key that would leave the output folder', async () => {
    const errors: unknown[] = [];
    const upload = new EarlyUpload(
      store,
      { bucket: MEDIA, prefix: 'videos/A3/v1/', dir },
      { signal: new AbortController().signal, onError: (error) => errors.push(error) },
    );
    upload.add('../escape.m4s');
    await expect(upload.drain()).rejects.toThrow(/unsafe output name/);
    expect(errors).toHaveLength(1);
  });
});
