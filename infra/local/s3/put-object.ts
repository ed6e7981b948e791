import { createWriteStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PayloadMode } from './authenticate.ts';
import { AwsChunkedDecoder } from './aws-chunked.ts';
import { BodyMeter } from './body-meter.ts';
import type { CommitResult, DiskStore } from './disk-store.ts';
import { s3Errors } from './s3-error.ts';

export interface PutObjectRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly store: DiskStore;
  readonly bucket: string;
  readonly key: string;
  readonly payload: PayloadMode;
  readonly maxObjectBytes: number;
  /** The client sent `Expect: 100-continue` and waits for our go-ahead before the body. */
  readonly expectsContinue: boolean;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * PutObject: every check that needs no body runs first (length, size limit, digest syntax),
 * then the body streams to a temp file and becomes visible only after its digests match.
 */
export async function putObject(request: PutObjectRequest): Promise<CommitResult> {
  const { req, store, bucket, payload } = request;
  if (!store.hasBucket(bucket)) throw s3Errors.noSuchBucket();
  if (req.headers['x-amz-copy-source'] !== undefined)
    throw s3Errors.notImplemented('CopyObject is not supported.');

  const declaredLength = declaredObjectLength(req, payload);
  if (declaredLength > request.maxObjectBytes) throw s3Errors.entityTooLarge();
  const expectedMd5 = parseContentMd5(singleHeader(req, 'content-md5'));

  if (request.expectsContinue) request.res.writeContinue();
  const tempPath = store.newTempPath();
  const meter = new BodyMeter({ limit: declaredLength, hashSha256: payload.kind === 'sha256' });
  const stages: Transform[] =
    payload.kind === 'aws-chunked-unsigned' ? [new AwsChunkedDecoder(), meter] : [meter];
  try {
    await pipeline([req, ...stages, createWriteStream(tempPath, { flags: 'wx', flush: true })]);
    if (meter.bytes !== declaredLength) throw s3Errors.incompleteBody();
    if (payload.kind === 'sha256' && meter.sha256Hex() !== payload.expectedHex)
      throw s3Errors.sha256Mismatch();
    const md5 = meter.md5();
    if (expectedMd5 !== undefined && !expectedMd5.equals(md5)) throw s3Errors.badDigest();
    return await store.commit(bucket, tempPath, {
      key: request.key,
      size: meter.bytes,
      etag: md5.toString('hex'),
      contentType: req.headers['content-type'] || DEFAULT_CONTENT_TYPE,
      lastModified: new Date().toISOString(),
    });
  } catch (error) {
    await store.discardTemp(tempPath);
    throw error;
  }
}

function declaredObjectLength(req: IncomingMessage, payload: PayloadMode): number {
  // With aws-chunked the wire length includes the framing; the object size travels separately.
  const header = singleHeader(
    req,
    payload.kind === 'aws-chunked-unsigned' ? 'x-amz-decoded-content-length' : 'content-length',
  );
  if (header === undefined) throw s3Errors.missingContentLength();
  if (!/^\d{1,15}$/.test(header)) {
    throw s3Errors.invalidArgument('The content length must be a non-negative integer.');
  }
  return Number(header);
}

function parseContentMd5(header: string | undefined): Buffer | undefined {
  if (header === undefined) return undefined;
  const digest = Buffer.from(header, 'base64');
  if (digest.length !== 16 || digest.toString('base64') !== header.trim()) throw s3Errors.invalidDigest();
  return digest;
}

function singleHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
