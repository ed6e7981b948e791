/**
 * The domain event stream port: an append-only log split into partitions, each message placed by
 * its key (every message of one key lands in one partition, in the order it was put), read by
 * consumer groups that each keep their own committed offset per partition.
 *
 * Production: OCI Streaming through `oci-streaming` (`oci-stream.ts`). Local cloud and tests: the
 * MySQL-backed stream (`mysql-stream.ts`) with the same semantics. `eventStreamFromConfig` (`stream-from-config.ts`) picks one.
 * The outbox relay is the only producer; consumers (webhooks, the warehouse loader) read by group.
 */

/** One message to put. `key` at most 256 bytes (OCI's limit), `value` at most 1 MB. */
export interface StreamRecord {
  readonly key: string;
  readonly value: Buffer;
}

/**
 * The answer for one record of a put, in the order the records were given. A put can succeed for
 * some records and fail for others (OCI answers per message).
 * - `retryable: true`: the partition was throttled or briefly unavailable; put it again later.
 * - `retryable: false`: the stream refuses this record for good (too large, bad key): dead-letter it.
 */
export type PutOutcome =
  | { readonly ok: true; readonly partition: string; readonly offset: string }
  | { readonly ok: false; readonly retryable: boolean; readonly code: string; readonly message: string };

/** A message as a consumer reads it. Offsets grow within a partition; compare them as BigInt. */
export interface StreamMessage {
  readonly partition: string;
  readonly offset: string;
  readonly key: string;
  readonly value: Buffer;
  /** When the stream stored it. */
  readonly timestamp: Date;
}

export interface GroupReadOptions {
  /** Most messages returned by one `next` (OCI allows at most 10,000 per GET). */
  readonly limit: number;
  /** Wait up to this long for a first message when none is available now (0: answer at once). */
  readonly waitMs?: number;
}

/**
 * One consumer instance of a group. It starts after the group's committed offsets (or at the
 * oldest retained message for a group never committed) and holds the partitions the group assigns
 * it (all of them while it is the group's only instance). Nothing read is committed until
 * `commit`: a consumer that dies before it commits gets the same messages again (at least once).
 */
export interface GroupReader {
  next(options: GroupReadOptions): Promise<readonly StreamMessage[]>;
  /** Commits every message `next` has returned so far on this reader. */
  commit(): Promise<void>;
  /** Leaves the group (its partitions go to the other instances); uncommitted reads are not committed. */
  close(): Promise<void>;
}

export interface EventStream {
  /** The stream's name (OCI: its OCID's display name; locally the stream row's name). */
  readonly name: string;
  /**
   * Puts records in order. Throws StreamUnavailableError when the whole request failed (network,
   * 5xx, 429 for the request): nothing of it may be assumed stored, and nothing was acknowledged.
   */
  put(records: readonly StreamRecord[]): Promise<readonly PutOutcome[]>;
  /** Joins consumer group `group` as `instance` (a stable name per running consumer). */
  openGroupReader(group: string, instance: string): Promise<GroupReader>;
}

/** The stream could not be reached or refused the whole request; retry later (back off). */
export class StreamUnavailableError extends Error {
  override readonly name = 'StreamUnavailableError';
  /** HTTP status when the stream answered (429 throttled, 5xx), else undefined. */
  readonly status: number | undefined;

  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
  }
}

/** OCI Streaming's limits, kept by both adapters so local behaviour matches production. */
export const STREAM_LIMITS = {
  maxKeyBytes: 256,
  maxValueBytes: 1024 * 1024,
  /** OCI: a PutMessages request body is at most 1 MB in total. */
  maxPutBytes: 1024 * 1024,
  maxReadLimit: 10_000,
} as const;
