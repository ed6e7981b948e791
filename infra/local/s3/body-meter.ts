import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { s3Errors } from './s3-error.ts';

/**
 * Passes the object bytes through while counting them and hashing them (MD5 for the ETag,
 * SHA-256 only when the client signed a payload digest), so the body is never held whole.
 */
export class BodyMeter extends Transform {
  bytes = 0;
  readonly #limit: number;
  readonly #md5: Hash = createHash('md5');
  readonly #sha256: Hash | undefined;

  constructor(options: { limit: number; hashSha256: boolean }) {
    super();
    this.#limit = options.limit;
    this.#sha256 = options.hashSha256 ? createHash('sha256') : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    // Guards the aws-chunked path, where the decoded size is only a claim until the end.
    if (this.bytes > this.#limit) {
      callback(s3Errors.invalidRequest('The body is longer than the declared content length.'));
      return;
    }
    this.#md5.update(chunk);
    this.#sha256?.update(chunk);
    callback(null, chunk);
  }

  md5(): Buffer {
    return this.#md5.digest();
  }

  sha256Hex(): string | undefined {
    return this.#sha256?.digest('hex');
  }
}
