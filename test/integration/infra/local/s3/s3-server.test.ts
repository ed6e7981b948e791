import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type S3TestServer,
  type S3TestServerOptions,
  startS3TestServer,
} from '#test/support/s3-test-server.ts';

const REGION = 'eu-frankfurt-1';
const ACCESS_KEY_ID = 'LOCALACCESSKEY';
const SECRET = 'local-secret/with+chars';
const BUCKET = 'raw-video';

interface Fixture extends Pick<S3TestServer, 'root' | 'dataDir' | 'server' | 'events' | 'restart'> {
  client(overrides?: Partial<S3ClientConfig>): S3Client;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startFixture(extra: Partial<S3TestServerOptions> = {}): Promise<Fixture> {
  const s3 = await startS3TestServer({
    tempPrefix: 'forgecast-s3-',
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET,
    region: REGION,
    buckets: [BUCKET, 'vault'],
    ...extra,
  });
  const clients: S3Client[] = [];
  cleanups.push(async () => {
    for (const client of clients) client.destroy();
    await s3.stop();
  });
  return {
    root: s3.root,
    dataDir: s3.dataDir,
    events: s3.events,
    get server() {
      return s3.server;
    },
    client(overrides = {}) {
      const client = new S3Client({
        endpoint: s3.server.endpoint,
        region: REGION,
        forcePathStyle: true,
        credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET },
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 1,
        ...overrides,
      });
      clients.push(client);
      return client;
    },
    restart: () => s3.restart(),
  };
}

async function failureOf(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const failure = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: failure.name, status: failure.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly continued: boolean;
}

/** Sends headers only (the body is never written) and returns the server's answer. */
function sendHeadersOnly(url: string, method: string, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const outgoing = request(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          continued,
        }),
      );
    });
    outgoing.on('continue', () => {
      continued = true;
    });
    outgoing.on('error', reject);
    outgoing.flushHeaders();
  });
}

describe('embedded S3 server with the AWS SDK', () => {
  it('round-trips put, get, head, range, list with pagination and delete', async () => {
    const fixture = await startFixture();
    const s3 = fixture.client();
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'clips/a.txt',
        Body: 'hello world',
        ContentType: 'text/plain',
      }),
    );
    expect(put.ETag).toBe('"5eb63bbbe01eeed093cb22bb8f5acdc3"');

    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'clips/a.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello world');
    expect(got.ContentType).toBe('text/plain');
    expect(got.ContentLength).toBe(11);
    expect(got.ETag).toBe(put.ETag);
    expect(got.LastModified).toBeInstanceOf(Date);

    const ranged = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'clips/a.txt', Range: 'bytes=6-10' }),
    );
    expect(await ranged.Body?.transformToString()).toBe('world');
    expect(ranged.ContentRange).toBe('bytes 6-10/11');
    const suffix = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'clips/a.txt', Range: 'bytes=-5' }),
    );
    expect(await suffix.Body?.transformToString()).toBe('world');
    expect(
      await failureOf(
        s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'clips/a.txt', Range: 'bytes=50-' })),
      ),
    ).toEqual({ name: 'InvalidRange', status: 416 });

    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'clips/a.txt' }));
    expect(head.ContentLength).toBe(11);
    expect(head.ETag).toBe(put.ETag);

    for (const name of ['b', 'c', 'd', 'e']) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `clips/${name}.txt`, Body: name }));
    }
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'other/z.txt', Body: 'z' }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'clips/', MaxKeys: 2, ContinuationToken: token }),
      );
      pages += 1;
      expect(page.KeyCount).toBe(page.Contents?.length);
      seen.push(...(page.Contents ?? []).map((item) => item.Key ?? ''));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(['clips/a.txt', 'clips/b.txt', 'clips/c.txt', 'clips/d.txt', 'clips/e.txt']);

    const rolledUp = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: '/' }));
    expect(rolledUp.CommonPrefixes?.map((entry) => entry.Prefix)).toEqual(['clips/', 'other/']);
    expect(rolledUp.Contents ?? []).toEqual([]);

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'clips/a.txt' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'clips/a.txt' }));
    expect(await failureOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'clips/a.txt' })))).toEqual({
      name: 'NoSuchKey',
      status: 404,
    });
    expect(await failureOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'clips/a.txt' })))).toEqual({
      name: 'NotFound',
      status: 404,
    });
  });

  it('creates, heads and refuses buckets by S3 rules', async () => {
    const fixture = await startFixture();
    const s3 = fixture.client();
    await s3.send(new HeadBucketCommand({ Bucket: 'vault' }));
    expect(await failureOf(s3.send(new HeadBucketCommand({ Bucket: 'missing-bucket' })))).toEqual({
      name: 'NotFound',
      status: 404,
    });
    expect(
      await failureOf(s3.send(new PutObjectCommand({ Bucket: 'missing-bucket', Key: 'k', Body: 'x' }))),
    ).toEqual({ name: 'NoSuchBucket', status: 404 });
    await s3.send(new CreateBucketCommand({ Bucket: 'renditions.v2' }));
    await s3.send(new HeadBucketCommand({ Bucket: 'renditions.v2' }));
    expect(await failureOf(s3.send(new CreateBucketCommand({ Bucket: 'renditions.v2' })))).toMatchObject({
      status: 409,
    });
    expect(await failureOf(s3.send(new CreateBucketCommand({ Bucket: 'bad..name' })))).toMatchObject({
      status: 400,
    });
    await expect(startFixture({ buckets: ['Upper_Case'] })).rejects.toThrow(/Invalid bucket names/);
  });

  it('refuses a wrong secret, unsigned requests and a bad Content-MD5', async () => {
    const fixture = await startFixture();
    const wrong = fixture.client({
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: 'not-the-secret' },
    });
    expect(
      await failureOf(wrong.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x' }))),
    ).toEqual({
      name: 'SignatureDoesNotMatch',
      status: 403,
    });
    const unknownKey = fixture.client({
      credentials: { accessKeyId: 'SOMEONEELSE', secretAccessKey: SECRET },
    });
    expect(await failureOf(unknownKey.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k' })))).toEqual({
      name: 'InvalidAccessKeyId',
      status: 403,
    });

    const anonymous = await fetch(`${fixture.server.endpoint}/${BUCKET}/k`);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>');

    const s3 = fixture.client();
    const wrongMd5 = Buffer.alloc(16, 1).toString('base64');
    expect(
      await failureOf(
        s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'md5', Body: 'x', ContentMD5: wrongMd5 })),
      ),
    ).toEqual({ name: 'BadDigest', status: 400 });
    const rightMd5 = Buffer.from('5eb63bbbe01eeed093cb22bb8f5acdc3', 'hex').toString('base64');
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'md5', Body: 'hello world', ContentMD5: rightMd5 }),
    );
    expect(fixture.events.map((event) => event.data.resourceName)).toEqual(['md5']);
  });

  it('refuses a body that does not match x-amz-content-sha256 and keeps nothing', async () => {
    const fixture = await startFixture();
    const s3 = fixture.client();
    // Swap the body after the SDK signed its SHA-256 (same length, so only the digest differs).
    type Handler = (args: { request: { body: unknown } }) => Promise<unknown>;
    const tamper =
      (next: Handler): Handler =>
      async (args) => {
        args.request.body = 'hellx';
        return next(args);
      };
    // The middleware stack's overloads defeat inference; the shape above is what the SDK passes.
    s3.middlewareStack.addRelativeTo(tamper as never, {
      relation: 'after',
      toMiddleware: 'httpSigningMiddleware',
      name: 'tamperBody',
    });
    expect(
      await failureOf(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'tampered', Body: 'hello' }))),
    ).toEqual({ name: 'XAmzContentSHA256Mismatch', status: 400 });
    const honest = fixture.client();
    expect(
      await failureOf(honest.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'tampered' }))),
    ).toMatchObject({
      status: 404,
    });
    expect(fixture.events).toEqual([]);
    const stored = (await listFiles(fixture.dataDir)).filter((file) => !file.endsWith('bucket.json'));
    expect(stored).toEqual([]);
  });

  it('answers 413 from Content-Length before reading the body, and 411 without a length', async () => {
    const fixture = await startFixture({ maxObjectBytes: 1024 });
    const s3 = fixture.client();
    const url = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: BUCKET, Key: 'huge.bin', ContentLength: 50_000_000 }),
      { expiresIn: 60, signableHeaders: new Set(['content-length']) },
    );
    const withoutExpect = await sendHeadersOnly(url, 'PUT', { 'content-length': '50000000' });
    expect(withoutExpect.status).toBe(413);
    expect(withoutExpect.body).toContain('<Code>EntityTooLarge</Code>');
    const withExpect = await sendHeadersOnly(url, 'PUT', {
      'content-length': '50000000',
      expect: '100-continue',
    });
    expect(withExpect.status).toBe(413);
    expect(withExpect.continued).toBe(false);

    // A stream of unknown length goes out chunked, which S3 refuses.
    const unknownLength = Readable.from([Buffer.from('abc')]);
    expect(
      await failureOf(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'chunked', Body: unknownLength }))),
    ).toEqual({ name: 'MissingContentLength', status: 411 });
    expect(fixture.events).toEqual([]);
  });

  it('leaves nothing behind when an upload is aborted half way', async () => {
    const fixture = await startFixture();
    const s3 = fixture.client();
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: 'aborted.bin' }), {
      expiresIn: 60,
    });
    await new Promise<void>((resolve) => {
      const outgoing = request(url, { method: 'PUT', headers: { 'content-length': '100000' } });
      outgoing.on('error', () => resolve());
      outgoing.write(Buffer.alloc(50_000), () => {
        setTimeout(() => {
          outgoing.destroy();
          resolve();
        }, 50);
      });
    });
    await expect
      .poll(async () => (await listFiles(fixture.dataDir)).filter((file) => !file.endsWith('bucket.json')))
      .toEqual([]);
    expect(
      await failureOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'aborted.bin' }))),
    ).toMatchObject({
      status: 404,
    });
    expect(fixture.events).toEqual([]);
  });

  it('stores hostile and unicode keys under hashed names inside dataDir only', async () => {
    const fixture = await startFixture();
    const s3 = fixture.client();
    const keys = [
      '../../etc/passwd',
      '..',
      'designs/ünïcødé 🎥 ~draft (1)+50%.stl',
      '/leading//double-slash',
    ];
    for (const key of keys) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body of ${key}` }));
    }
    for (const key of keys) {
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      expect(await got.Body?.transformToString()).toBe(`body of ${key}`);
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.Contents?.map((item) => item.Key).sort()).toEqual([...keys].sort());

    expect(await readdir(fixture.root)).toEqual(['data']);
    for (const file of await listFiles(fixture.dataDir)) {
      const inside = relative(fixture.dataDir, file);
      expect(inside.startsWith('..')).toBe(false);
      expect(inside).toMatch(
        /^(buckets\/[a-z0-9.-]+\/(bucket\.json|objects\/[0-9a-f]{64}\.(json|[0-9a-f-]{36}\.data)))$/,
      );
    }
  });

  it('emits exactly one OCI envelope per committed put, overwrite and delete', async () => {
    const fixture = await startFixture();
    const s3 = fixture.client();
    const created = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'shows/ep1.mp4', Body: 'v1' }));
    expect(fixture.events).toHaveLength(1);
    const [event] = fixture.events;
    expect(event).toMatchObject({
      eventType: 'com.oraclecloud.objectstorage.createobject',
      cloudEventsVersion: '0.1',
      eventTypeVersion: '2.0',
      source: 'ObjectStorage',
      contentType: 'application/json',
      data: {
        resourceName: 'shows/ep1.mp4',
        resourceId: `/n/forgecast-ns/b/${BUCKET}/o/shows/ep1.mp4`,
        additionalDetails: {
          bucketName: BUCKET,
          namespace: 'forgecast-ns',
          eTag: created.ETag?.replaceAll('"', ''),
        },
      },
    });
    expect(event?.eventID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(event?.eventTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    const updated = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'shows/ep1.mp4', Body: 'v2' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'shows/ep1.mp4' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'shows/ep1.mp4' }));
    expect(fixture.events.map((entry) => [entry.eventType, entry.data.additionalDetails.eTag])).toEqual([
      ['com.oraclecloud.objectstorage.createobject', created.ETag?.replaceAll('"', '')],
      ['com.oraclecloud.objectstorage.updateobject', updated.ETag?.replaceAll('"', '')],
      ['com.oraclecloud.objectstorage.deleteobject', updated.ETag?.replaceAll('"', '')],
    ]);
    expect(new Set(fixture.events.map((entry) => entry.eventID)).size).toBe(3);
  });

  it('keeps objects across stop and start', async () => {
    const fixture = await startFixture();
    const before = fixture.client();
    await before.send(new PutObjectCommand({ Bucket: 'vault', Key: 'kept/model.stl', Body: 'solid cube' }));
    await fixture.restart();
    const after = fixture.client();
    const got = await after.send(new GetObjectCommand({ Bucket: 'vault', Key: 'kept/model.stl' }));
    expect(await got.Body?.transformToString()).toBe('solid cube');
    const listed = await after.send(new ListObjectsV2Command({ Bucket: 'vault' }));
    expect(listed.Contents?.map((item) => [item.Key, item.Size])).toEqual([['kept/model.stl', 10]]);
    await after.send(new PutObjectCommand({ Bucket: 'vault', Key: 'kept/model.stl', Body: 'solid sphere' }));
    expect(fixture.events.map((entry) => entry.eventType)).toEqual([
      'com.oraclecloud.objectstorage.createobject',
      'com.oraclecloud.objectstorage.updateobject',
    ]);
  });

  it('decodes aws-chunked uploads that an SDK with default checksums streams', async () => {
    const fixture = await startFixture();
    const s3 = fixture.client({ requestChecksumCalculation: 'WHEN_SUPPORTED' });
    const body = Buffer.alloc(300_000);
    for (let index = 0; index < body.length; index += 1) body[index] = index % 251;
    const streamed = Readable.from([body.subarray(0, 70_000), body.subarray(70_000)]);
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'chunked.bin',
        Body: streamed,
        ContentLength: body.length,
      }),
    );
    const got = await fixture.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'chunked.bin' }));
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(body)).toBe(true);
  });

  it('answers CORS preflight for browser uploads', async () => {
    const fixture = await startFixture();
    const response = await fetch(`${fixture.server.endpoint}/${BUCKET}/upload.stl?X-Amz-Signature=x`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:5173',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(response.headers.get('access-control-expose-headers')).toContain('ETag');
  });
});
