import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { DiskStore } from './disk-store.ts';
import type { RequestTarget } from './request-target.ts';
import { queryValue } from './request-target.ts';
import { s3Errors } from './s3-error.ts';

interface ByteRange {
  readonly start: number;
  /** Inclusive. */
  readonly end: number;
}

/** GetObject and HeadObject, with single `Range: bytes=` support as S3 has it. */
export async function getObject(
  req: IncomingMessage,
  res: ServerResponse,
  store: DiskStore,
  target: RequestTarget & { bucket: string; key: string },
): Promise<void> {
  if (!store.hasBucket(target.bucket)) throw s3Errors.noSuchBucket();
  const opened = await store.open(target.bucket, target.key);
  if (!opened) throw s3Errors.noSuchKey();
  const { metadata, handle } = opened;
  try {
    const range = parseRange(req.headers.range, metadata.size);
    const contentLength = range ? range.end - range.start + 1 : metadata.size;
    res.setHeader('Content-Type', queryValue(target, 'response-content-type') ?? metadata.contentType);
    const disposition = queryValue(target, 'response-content-disposition');
    if (disposition !== undefined) res.setHeader('Content-Disposition', disposition);
    res.setHeader('Content-Length', contentLength);
    res.setHeader('ETag', `"${metadata.etag}"`);
    res.setHeader('Last-Modified', new Date(metadata.lastModified).toUTCString());
    res.setHeader('Accept-Ranges', 'bytes');
    if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${metadata.size}`);
    res.statusCode = range ? 206 : 200;
    if (req.method === 'HEAD' || contentLength === 0) {
      res.end();
      await handle.close();
      return;
    }
    const body = handle.createReadStream({ start: range?.start ?? 0, end: range?.end ?? metadata.size - 1 });
    await pipeline(body, res);
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/** `bytes=a-b`, `bytes=a-` and `bytes=-n`; anything else (e.g. several ranges) means the whole object. */
function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, firstText = '', lastText = ''] = match;
  if (firstText === '' && lastText === '') return undefined;
  if (firstText === '') {
    const suffixLength = Number(lastText);
    if (suffixLength === 0 || size === 0) throw s3Errors.invalidRange();
    return { start: Math.max(0, size - suffixLength), end: size - 1 };
  }
  const start = Number(firstText);
  const end = lastText === '' ? size - 1 : Math.min(Number(lastText), size - 1);
  if (lastText !== '' && Number(lastText) < start) return undefined;
  if (start >= size) throw s3Errors.invalidRange();
  return { start, end };
}
