import type { Readable } from 'node:stream';
import { DependencyUnavailableError, NotFoundError } from '../errors.ts';

/** Object storage port. Production: OCI Object Storage via its S3 compatibility API. */
export interface ObjectHead {
  readonly key: string;
  readonly size: number;
  /** Hex MD5 for single-part uploads, without the quotes HTTP puts around it. */
  readonly etag: string;
  readonly contentType: string | undefined;
}

export interface PresignedPut {
  readonly url: string;
  readonly method: 'PUT';
  /** Headers the client must send exactly as given (they are signed). */
  readonly headers: Record<string, string>;
  readonly expiresAt: Date;
}

export interface ObjectStore {
  put(
    bucket: string,
    key: string,
    body: Uint8Array | Readable,
    /** `signal` aborts an upload whose source stream failed (otherwise the request waits for bytes that never come). */
    options?: { contentType?: string; contentLength?: number; signal?: AbortSignal },
  ): Promise<{ etag: string }>;
  get(bucket: string, key: string): Promise<{ body: Readable; head: ObjectHead }>;
  head(bucket: string, key: string): Promise<ObjectHead | undefined>;
  delete(bucket: string, key: string): Promise<void>;
  list(bucket: string, prefix?: string): Promise<readonly ObjectHead[]>;
  presignPut(
    bucket: string,
    key: string,
    options: { contentType: string; contentLength: number; expiresInSeconds: number },
  ): Promise<PresignedPut>;
  presignGet(bucket: string, key: string, expiresInSeconds: number): Promise<string>;
  /** Cheap reachability probe for health checks. */
  ping(bucket: string): Promise<void>;
}

/** The bucket or the object does not exist. */
export class ObjectNotFoundError extends NotFoundError {
  readonly bucket: string;
  readonly key: string | undefined;
  constructor(bucket: string, key: string | undefined, options?: { cause?: unknown }) {
    super(key === undefined ? 'The bucket does not exist' : 'The object does not exist', options);
    this.bucket = bucket;
    this.key = key;
  }
}

/** Object storage refused or failed the call (credentials, network, server error). */
export class ObjectStorageError extends DependencyUnavailableError {
  /** Provider error code, e.g. `SignatureDoesNotMatch`; `undefined` for network failures. */
  readonly code: string | undefined;
  readonly httpStatus: number | undefined;
  constructor(message: string, details: { code?: string; httpStatus?: number; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.code = details.code;
    this.httpStatus = details.httpStatus;
  }
}
