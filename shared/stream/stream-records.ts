import { createHash } from 'node:crypto';
import { type PutOutcome, STREAM_LIMITS, type StreamRecord } from './event-stream.ts';

/** The codes of records a stream refuses for good (both adapters answer with these). */
export const REFUSAL_CODES = {
  keyTooLarge: 'KeyTooLarge',
  valueTooLarge: 'MessageTooLarge',
} as const;

/**
 * Why the stream would refuse `record` for good (STREAM_LIMITS), or undefined when it fits.
 * Both adapters check before sending, so a record OCI would reject never costs a request and the
 * local stream refuses exactly what production would.
 */
export function refusalOf(record: StreamRecord): Extract<PutOutcome, { ok: false }> | undefined {
  const keyBytes = Buffer.byteLength(record.key, 'utf8');
  if (keyBytes > STREAM_LIMITS.maxKeyBytes) {
    return {
      ok: false,
      retryable: false,
      code: REFUSAL_CODES.keyTooLarge,
      message: `The key is ${keyBytes} bytes; a stream key is at most ${STREAM_LIMITS.maxKeyBytes}`,
    };
  }
  if (record.value.length > STREAM_LIMITS.maxValueBytes) {
    return {
      ok: false,
      retryable: false,
      code: REFUSAL_CODES.valueTooLarge,
      message: `The value is ${record.value.length} bytes; a stream message is at most ${STREAM_LIMITS.maxValueBytes}`,
    };
  }
  return undefined;
}

/**
 * A record's share of an OCI PutMessages body: key and value travel base64-encoded
 * (4 characters per 3 bytes), with member names, quotes and separators around them. OCI's 1 MB
 * per request (STREAM_LIMITS.maxPutBytes) applies to that body, so the OCI adapter splits a put
 * by this measure and the outbox relay bounds its puts by it, so a relay put stays one request.
 */
export function putMessageShare(record: StreamRecord): number {
  const base64 = (bytes: number) => 4 * Math.ceil(bytes / 3);
  return base64(Buffer.byteLength(record.key, 'utf8')) + base64(record.value.length) + 32;
}

/**
 * The partition a key's messages live in: a stable hash of the key's bytes, so one key always
 * lands in one partition (and its messages keep their order) on every machine and every run.
 */
export function partitionOfKey(key: string, partitions: number): number {
  const digest = createHash('sha256').update(key, 'utf8').digest();
  return digest.readUInt32BE(0) % partitions;
}

/** `next` or `commit` on a reader that has left its group. */
export class GroupReaderClosedError extends Error {
  override readonly name = 'GroupReaderClosedError';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
