import type { Readable } from 'node:stream';

/** Object storage port. Production: OCI Object Storage via its S3 compatibility API. */
export interface ObjectHead {
  readonly key: string;
  readonly size: number;
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
  put(bucket: string, key: string, body: Uint8Array | Readable, options?: { contentType?: string; contentLength?: number }): Promise<{ etag: string }>;
  get(bucket: string, key: string): Promise<{ body: Readable; head: ObjectHead }>;
  head(bucket: string, key: string): Promise<ObjectHead | undefined>;
  delete(bucket: string, key: string): Promise<void>;
  list(bucket: string, prefix?: string): Promise<readonly ObjectHead[]>;
  presignPut(bucket: string, key: string, options: { contentType: string; contentLength: number; expiresInSeconds: number }): Promise<PresignedPut>;
  presignGet(bucket: string, key: string, expiresInSeconds: number): Promise<string>;
  /** Cheap reachability probe for health checks. */
  ping(bucket: string): Promise<void>;
}
