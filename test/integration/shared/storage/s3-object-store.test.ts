import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ObjectNotFoundError, ObjectStorageError, type ObjectStore } from '#shared/storage/object-store.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { type S3TestServer, startS3TestServer } from '#test/support/s3-test-server.ts';

const REGION = 'us-ashburn-1';
const ACCESS_KEY_ID = 'ADAPTERKEY';
const SECRET = 'adapter-secret';
const BUCKET = 'designs';

interface Fixture extends Pick<S3TestServer, 'server' | 'events'> {
  readonly store: ObjectStore;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startFixture(): Promise<Fixture> {
  const s3 = await startS3TestServer({
    tempPrefix: 'forgecast-s3-store-',
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET,
    region: REGION,
    buckets: [BUCKET],
    maxObjectBytes: 64 * 1024 * 1024,
  });
  cleanups.push(() => s3.stop());
  const store = createS3ObjectStore({
    endpoint: s3.server.endpoint,
    region: REGION,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET,
  });
  return { server: s3.server, store, events: s3.events };
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('createS3ObjectStore against the embedded server', () => {
  it('puts, gets, heads, lists and deletes', async () => {
    const { store, events } = await startFixture();
    const { etag } = await store.put(BUCKET, 'models/cube.stl', Buffer.from('solid cube'), {
      contentType: 'model/stl',
    });
    expect(etag).toBe(createHash('md5').update('solid cube').digest('hex'));
    expect(events.map((event) => event.data.additionalDetails.eTag)).toEqual([etag]);

    const { body, head } = await store.get(BUCKET, 'models/cube.stl');
    expect((await readAll(body)).toString()).toBe('solid cube');
    expect(head).toEqual({ key: 'models/cube.stl', size: 10, etag, contentType: 'model/stl' });
    expect(await store.head(BUCKET, 'models/cube.stl')).toEqual(head);
    expect(await store.head(BUCKET, 'models/none.stl')).toBeUndefined();
    await expect(store.get(BUCKET, 'models/none.stl')).rejects.toBeInstanceOf(ObjectNotFoundError);

    await store.put(BUCKET, 'models/ünï 🎥.3mf', Readable.from([Buffer.from('3mf')]), { contentLength: 3 });
    expect((await store.list(BUCKET, 'models/')).map((item) => item.key)).toEqual([
      'models/cube.stl',
      'models/ünï 🎥.3mf',
    ]);
    await store.delete(BUCKET, 'models/cube.stl');
    await store.delete(BUCKET, 'models/cube.stl');
    expect(await store.head(BUCKET, 'models/cube.stl')).toBeUndefined();
    await expect(
      store.put(BUCKET, 'unknown-length', Readable.from([Buffer.from('x')])),
    ).rejects.toBeInstanceOf(ObjectStorageError);
  });

  it('lists past the 1000-key page size', async () => {
    const { store } = await startFixture();
    const keys = Array.from({ length: 1003 }, (_, index) => `many/${String(index).padStart(4, '0')}`);
    for (let start = 0; start < keys.length; start += 50) {
      await Promise.all(keys.slice(start, start + 50).map((key) => store.put(BUCKET, key, Buffer.from(key))));
    }
    const listed = await store.list(BUCKET, 'many/');
    expect(listed.map((item) => item.key)).toEqual(keys);
  });

  it('streams a 20 MB object both ways', async () => {
    const { store } = await startFixture();
    const chunkSize = 1024 * 1024;
    const chunkCount = 20;
    const expectedMd5 = createHash('md5');
    const chunks = Array.from({ length: chunkCount }, (_, index) => {
      const chunk = Buffer.alloc(chunkSize, index + 1);
      expectedMd5.update(chunk);
      return chunk;
    });
    async function* produce() {
      for (const chunk of chunks) yield chunk;
    }
    const { etag } = await store.put(BUCKET, 'videos/big.mp4', Readable.from(produce()), {
      contentType: 'video/mp4',
      contentLength: chunkSize * chunkCount,
    });
    expect(etag).toBe(expectedMd5.digest('hex'));

    const { body, head } = await store.get(BUCKET, 'videos/big.mp4');
    expect(head.size).toBe(chunkSize * chunkCount);
    const readMd5 = createHash('md5');
    let bytes = 0;
    for await (const chunk of body) {
      readMd5.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    expect(bytes).toBe(chunkSize * chunkCount);
    expect(readMd5.digest('hex')).toBe(etag);
  });

  it('presigns a PUT bound to its Content-Type and Content-Length', async () => {
    const { store, events } = await startFixture();
    const presigned = await store.presignPut(BUCKET, 'uploads/part 1 ~ü.stl', {
      contentType: 'model/stl',
      contentLength: 11,
      expiresInSeconds: 300,
    });
    expect(presigned.method).toBe('PUT');
    expect(new URL(presigned.url).searchParams.get('X-Amz-SignedHeaders')).toBe(
      'content-length;content-type;host',
    );

    const wrongLength = await fetch(presigned.url, {
      method: 'PUT',
      headers: { 'content-type': 'model/stl' },
      body: 'hello world!',
    });
    expect(wrongLength.status).toBe(403);
    expect(await wrongLength.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const wrongType = await fetch(presigned.url, {
      method: 'PUT',
      headers: { 'content-type': 'text/html' },
      body: 'hello world',
    });
    expect(wrongType.status).toBe(403);
    expect(events).toEqual([]);

    const accepted = await fetch(presigned.url, {
      method: 'PUT',
      headers: presigned.headers,
      body: 'hello world',
    });
    expect(accepted.status).toBe(200);
    const head = await store.head(BUCKET, 'uploads/part 1 ~ü.stl');
    expect(head).toMatchObject({ size: 11, contentType: 'model/stl' });
    expect(accepted.headers.get('etag')).toBe(`"${head?.etag}"`);
    expect(events).toHaveLength(1);
    expect(events[0]?.eventType).toBe('com.oraclecloud.objectstorage.createobject');
    expect(events[0]?.data.resourceName).toBe('uploads/part 1 ~ü.stl');

    const download = await fetch(await store.presignGet(BUCKET, 'uploads/part 1 ~ü.stl', 60));
    expect(await download.text()).toBe('hello world');
  });

  it('refuses an expired presigned URL', async () => {
    const { store } = await startFixture();
    const presigned = await store.presignPut(BUCKET, 'late.bin', {
      contentType: 'application/octet-stream',
      contentLength: 1,
      expiresInSeconds: 1,
    });
    await sleep(2100);
    const response = await fetch(presigned.url, { method: 'PUT', headers: presigned.headers, body: 'x' });
    expect(response.status).toBe(403);
    const text = await response.text();
    expect(text).toContain('<Code>AccessDenied</Code>');
    expect(text).toContain('Request has expired');
    expect(await store.head(BUCKET, 'late.bin')).toBeUndefined();
  });

  it('maps failures to typed errors with the SDK error as cause', async () => {
    const { server, store } = await startFixture();
    await store.ping(BUCKET);
    await expect(store.ping('no-such-bucket')).rejects.toBeInstanceOf(ObjectNotFoundError);

    const wrongSecret = createS3ObjectStore({
      endpoint: server.endpoint,
      region: REGION,
      accessKeyId: ACCESS_KEY_ID,
      secretAccessKey: 'wrong',
    });
    const failure = await wrongSecret.put(BUCKET, 'k', Buffer.from('x')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ObjectStorageError);
    expect(failure).toMatchObject({ code: 'SignatureDoesNotMatch', httpStatus: 403, status: 503 });
    expect((failure as Error).cause).toBeInstanceOf(Error);
    expect((failure as Error).message).not.toContain('wrong');
  });
});
