import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { S3Error, s3Errors } from './s3-error.ts';

/**
 * Decodes `Content-Encoding: aws-chunked` bodies with unsigned chunks
 * (`x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`), which the AWS SDKs send
 * when they add a flexible checksum to a streamed upload:
 *
 *   <hex size>\r\n<bytes>\r\n ... 0\r\n<trailer-name>:<value>\r\n\r\n
 *
 * Emits only the object bytes and checks the crc32 / sha1 / sha256 trailer if one is sent.
 */
type State = 'size-line' | 'chunk-data' | 'chunk-end' | 'trailer' | 'done';

const MAX_LINE_BYTES = 4096;
const CRLF = Buffer.from('\r\n');

export class AwsChunkedDecoder extends Transform {
  #state: State = 'size-line';
  #pending: Buffer = Buffer.alloc(0);
  #chunkRemaining = 0;
  #crc = 0;
  readonly #sha1: Hash = createHash('sha1');
  readonly #sha256: Hash = createHash('sha256');
  readonly #trailers = new Map<string, string>();

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
      this.#consume();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.#state !== 'done' || this.#pending.length > 0) {
      callback(s3Errors.incompleteBody());
      return;
    }
    try {
      this.#verifyTrailerChecksum();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  #consume(): void {
    while (this.#pending.length > 0) {
      if (this.#state === 'chunk-data') {
        const take = Math.min(this.#chunkRemaining, this.#pending.length);
        const data = this.#pending.subarray(0, take);
        this.#pending = this.#pending.subarray(take);
        this.#chunkRemaining -= take;
        this.#crc = crc32(data, this.#crc);
        this.#sha1.update(data);
        this.#sha256.update(data);
        this.push(data);
        if (this.#chunkRemaining === 0) this.#state = 'chunk-end';
        continue;
      }
      if (this.#state === 'done') throw malformed('Unexpected bytes after the final chunk.');
      if (this.#state === 'chunk-end') {
        if (this.#pending.length < 2) return;
        if (!this.#pending.subarray(0, 2).equals(CRLF)) throw malformed('A chunk is not terminated by CRLF.');
        this.#pending = this.#pending.subarray(2);
        this.#state = 'size-line';
        continue;
      }
      const line = this.#takeLine();
      if (line === undefined) return;
      if (this.#state === 'size-line') this.#startChunk(line);
      else this.#readTrailerLine(line);
    }
  }

  #takeLine(): string | undefined {
    const end = this.#pending.indexOf(CRLF);
    if (end === -1) {
      if (this.#pending.length > MAX_LINE_BYTES) throw malformed('A chunk header line is too long.');
      return undefined;
    }
    const line = this.#pending.subarray(0, end).toString('latin1');
    this.#pending = this.#pending.subarray(end + 2);
    return line;
  }

  #startChunk(line: string): void {
    const sizeText = line.split(';', 1)[0]?.trim() ?? '';
    if (line.includes('chunk-signature=')) {
      throw s3Errors.notImplemented('Signed aws-chunked payloads are not supported.');
    }
    if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText)) throw malformed('A chunk size is not hexadecimal.');
    const size = Number.parseInt(sizeText, 16);
    if (size === 0) {
      this.#state = 'trailer';
      return;
    }
    this.#chunkRemaining = size;
    this.#state = 'chunk-data';
  }

  #readTrailerLine(line: string): void {
    if (line === '') {
      this.#state = 'done';
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformed('A trailer line is malformed.');
    this.#trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }

  #verifyTrailerChecksum(): void {
    const expectations: Array<[string, () => string]> = [
      ['x-amz-checksum-crc32', () => crc32ToBase64(this.#crc)],
      ['x-amz-checksum-sha1', () => this.#sha1.digest('base64')],
      ['x-amz-checksum-sha256', () => this.#sha256.digest('base64')],
    ];
    for (const [name, actual] of expectations) {
      const expected = this.#trailers.get(name);
      if (expected !== undefined && expected !== actual()) {
        throw new S3Error(
          'BadDigest',
          400,
          `The ${name} you specified did not match the calculated checksum.`,
        );
      }
    }
  }
}

function crc32ToBase64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString('base64');
}

function malformed(message: string): S3Error {
  return new S3Error('InvalidChunkEncoding', 400, message);
}
