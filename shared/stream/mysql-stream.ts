import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { lazyOnce } from '#shared/base/lazy.ts';
import { type DbConnection, type DbPool, withTransaction } from '#shared/db/pool.ts';
import {
  type EventStream,
  type GroupReader,
  type GroupReadOptions,
  type PutOutcome,
  STREAM_LIMITS,
  type StreamMessage,
  type StreamRecord,
  StreamUnavailableError,
} from './event-stream.ts';
import { GroupReaderClosedError, partitionOfKey, refusalOf, sleep } from './stream-records.ts';

export { GroupReaderClosedError } from './stream-records.ts';

/**
 * The event stream port on MariaDB/MySQL (migration 0014) with OCI Streaming's semantics: a fixed
 * number of partitions, a message's partition chosen by its key, dense offsets per partition,
 * consumer groups with committed offsets that split the partitions between their live instances,
 * and messages kept for a retention period whether read or not. Times come from the database
 * clock, so instances on machines with skewed clocks agree on who is live.
 */
export interface MySqlEventStreamOptions {
  readonly pool: DbPool;
  readonly name: string;
  /** Fixed when the stream is first used, as on OCI; a later instance must give the same number. */
  readonly partitions: number;
  /** How long messages are kept (OCI: 24 hours by default, up to 7 days). */
  readonly retentionHours?: number;
}

/** The stream row exists with another partition count (OCI cannot change it either). */
export class StreamDefinitionError extends Error {
  override readonly name = 'StreamDefinitionError';
}

const DEFAULT_RETENTION_HOURS = 24;
/** OCI Streaming drops a group instance it has not heard from for 30 seconds. */
export const GROUP_INSTANCE_TIMEOUT_SECONDS = 30;
/** Instance rows are kept a while after they go quiet, then swept with expired messages. */
const STALE_INSTANCE_SECONDS = 3_600;
const PURGE_INTERVAL_MS = 60_000;
const PURGE_BATCH = 10_000;
/** How often a polling reader re-announces itself and re-reads the group's instances. */
const REBALANCE_INTERVAL_MS = 1_000;
const POLL_INITIAL_MS = 20;
const POLL_MAX_MS = 250;
/** One INSERT carries at most this many rows / raw bytes (hex-escaped, twice that on the wire). */
const INSERT_MAX_ROWS = 500;
const INSERT_MAX_BYTES = 2 * 1024 * 1024;

interface PartitionRow extends RowDataPacket {
  partition_no: number;
  next_offset: string;
}

interface MessageRow extends RowDataPacket {
  offset_text: string;
  message_key: Buffer;
  value: Buffer;
  stored_at: Date;
}

interface AcceptedRecord {
  readonly index: number;
  readonly partition: number;
  readonly key: Buffer;
  readonly value: Buffer;
}

export class MySqlEventStream implements EventStream {
  readonly name: string;
  readonly #pool: DbPool;
  readonly #partitions: number;
  readonly #retentionSeconds: number;
  readonly #ensureStream: () => Promise<void>;
  #lastPurge = 0;

  constructor(options: MySqlEventStreamOptions) {
    if (options.name.length === 0 || options.name.length > 128) {
      throw new RangeError('A stream name must be 1 to 128 characters');
    }
    if (!Number.isInteger(options.partitions) || options.partitions < 1 || options.partitions > 50) {
      throw new RangeError('A stream has 1 to 50 partitions');
    }
    const retentionHours = options.retentionHours ?? DEFAULT_RETENTION_HOURS;
    if (!(retentionHours > 0)) throw new RangeError('retentionHours must be positive');
    this.name = options.name;
    this.#pool = options.pool;
    this.#partitions = options.partitions;
    this.#retentionSeconds = Math.round(retentionHours * 3_600);
    this.#ensureStream = lazyOnce(() => this.#createStreamIfMissing());
  }

  get partitions(): number {
    return this.#partitions;
  }

  async put(records: readonly StreamRecord[]): Promise<readonly PutOutcome[]> {
    const outcomes: (PutOutcome | undefined)[] = records.map(refusalOf);
    const accepted: AcceptedRecord[] = [];
    records.forEach((record, index) => {
      if (outcomes[index] !== undefined) return;
      accepted.push({
        index,
        partition: partitionOfKey(record.key, this.#partitions),
        key: Buffer.from(record.key, 'utf8'),
        value: record.value,
      });
    });
    if (accepted.length > 0) {
      let offsets: readonly bigint[];
      try {
        await this.#ensureStream();
        await this.#purgeExpiredNow();
        offsets = await withTransaction(this.#pool, (connection) => this.#append(connection, accepted));
      } catch (err) {
        throw new StreamUnavailableError(`Could not put ${accepted.length} messages on stream ${this.name}`, {
          cause: err,
        });
      }
      accepted.forEach((record, position) => {
        outcomes[record.index] = {
          ok: true,
          partition: String(record.partition),
          offset: String(offsets[position]),
        };
      });
    }
    return outcomes as PutOutcome[];
  }

  async openGroupReader(group: string, instance: string): Promise<GroupReader> {
    for (const [what, value] of [
      ['group', group],
      ['instance', instance],
    ] as const) {
      if (value.length === 0 || value.length > 128)
        throw new RangeError(`A ${what} name must be 1 to 128 characters`);
    }
    await this.#ensureStream();
    const reader = new MySqlGroupReader(this.#pool, this.name, this.#partitions, group, instance, () =>
      this.#purgeExpiredNow(),
    );
    await reader.join();
    return reader;
  }

  /** Deletes one batch of messages past retention (and long-gone group instances); returns how many messages. */
  async purgeExpired(): Promise<number> {
    const [result] = await this.#pool.query<ResultSetHeader>(
      'DELETE FROM stream_messages WHERE stream = ? AND stored_at < NOW(3) - INTERVAL ? SECOND LIMIT ?',
      [this.name, this.#retentionSeconds, PURGE_BATCH],
    );
    await this.#pool.query(
      'DELETE FROM stream_group_instances WHERE stream = ? AND seen_at < NOW(3) - INTERVAL ? SECOND',
      [this.name, STALE_INSTANCE_SECONDS],
    );
    return result.affectedRows;
  }

  /** Throttled so that busy producers and consumers do not pay for retention on every call. */
  async #purgeExpiredNow(): Promise<void> {
    if (Date.now() - this.#lastPurge < PURGE_INTERVAL_MS) return;
    this.#lastPurge = Date.now();
    await this.purgeExpired();
  }

  async #createStreamIfMissing(): Promise<void> {
    await this.#pool.query('INSERT IGNORE INTO streams (name, partitions) VALUES (?, ?)', [
      this.name,
      this.#partitions,
    ]);
    const [rows] = await this.#pool.query<RowDataPacket[]>('SELECT partitions FROM streams WHERE name = ?', [
      this.name,
    ]);
    const existing = Number(rows[0]?.partitions);
    if (existing !== this.#partitions) {
      throw new StreamDefinitionError(
        `Stream ${this.name} has ${existing} partitions, this instance was configured with ${this.#partitions}`,
      );
    }
    const partitionRows = Array.from({ length: this.#partitions }, (_, partition) => [this.name, partition]);
    await this.#pool.query('INSERT IGNORE INTO stream_partitions (stream, partition_no) VALUES ?', [
      partitionRows,
    ]);
  }

  /**
   * Locks the partitions written to in partition order (so two puts never wait on each other in a
   * cycle), hands out their next offsets in record order and stores the messages with multi-row
   * INSERTs. Runs again from the start after a deadlock, so it only computes and writes.
   */
  async #append(connection: DbConnection, accepted: readonly AcceptedRecord[]): Promise<bigint[]> {
    const partitions = [...new Set(accepted.map((record) => record.partition))].sort((a, b) => a - b);
    const [rows] = await connection.query<PartitionRow[]>(
      `SELECT partition_no, CAST(next_offset AS CHAR) AS next_offset FROM stream_partitions
       WHERE stream = ? AND partition_no IN (?) ORDER BY partition_no FOR UPDATE`,
      [this.name, partitions],
    );
    const nextOffsets = new Map(rows.map((row) => [Number(row.partition_no), BigInt(row.next_offset)]));
    const offsets = accepted.map((record) => {
      const offset = nextOffsets.get(record.partition);
      if (offset === undefined)
        throw new StreamDefinitionError(`Stream ${this.name} lacks partition ${record.partition}`);
      nextOffsets.set(record.partition, offset + 1n);
      return offset;
    });

    let batch: unknown[][] = [];
    let batchBytes = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await connection.query(
        'INSERT INTO stream_messages (stream, partition_no, message_offset, message_key, value) VALUES ?',
        [batch],
      );
      batch = [];
      batchBytes = 0;
    };
    for (const [position, record] of accepted.entries()) {
      const bytes = record.key.length + record.value.length;
      if (batch.length >= INSERT_MAX_ROWS || (batch.length > 0 && batchBytes + bytes > INSERT_MAX_BYTES)) {
        await flush();
      }
      batch.push([this.name, record.partition, String(offsets[position]), record.key, record.value]);
      batchBytes += bytes;
    }
    await flush();

    await connection.query(
      `INSERT INTO stream_partitions (stream, partition_no, next_offset) VALUES ?
       ON DUPLICATE KEY UPDATE next_offset = VALUES(next_offset)`,
      [partitions.map((partition) => [this.name, partition, String(nextOffsets.get(partition))])],
    );
    return offsets;
  }
}

/**
 * One instance of a consumer group. Partitions are split between the group's live instances by
 * their sorted names (partition p goes to instance p mod n), recomputed about once a second while
 * the reader polls: an instance that joins takes its share on the others' next poll, and one that
 * leaves (close) or goes quiet for 30 s gives its share back. While the group changes two instances
 * may briefly read one partition; readers restart from the group's committed offset, so that only
 * repeats messages (at least once), as on OCI.
 */
class MySqlGroupReader implements GroupReader {
  readonly #pool: DbPool;
  readonly #stream: string;
  readonly #partitions: number;
  readonly #group: string;
  readonly #instance: string;
  readonly #housekeeping: () => Promise<void>;
  /** Assigned partition → the last offset handed out by `next` (-1: none yet). */
  #positions = new Map<number, bigint>();
  /** Partition → highest offset returned since the last commit. */
  readonly #uncommitted = new Map<number, bigint>();
  #lastRebalance = 0;
  #rotation = 0;
  #closed = false;

  constructor(
    pool: DbPool,
    stream: string,
    partitions: number,
    group: string,
    instance: string,
    housekeeping: () => Promise<void>,
  ) {
    this.#pool = pool;
    this.#stream = stream;
    this.#partitions = partitions;
    this.#group = group;
    this.#instance = instance;
    this.#housekeeping = housekeeping;
  }

  /** Announces the instance, so the group's other readers leave it its share from their next poll. */
  async join(): Promise<void> {
    await this.#announce();
  }

  async next(options: GroupReadOptions): Promise<readonly StreamMessage[]> {
    this.#assertOpen();
    if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > STREAM_LIMITS.maxReadLimit) {
      throw new RangeError(`limit must be an integer from 1 to ${STREAM_LIMITS.maxReadLimit}`);
    }
    await this.#housekeeping();
    const deadline = Date.now() + Math.max(0, options.waitMs ?? 0);
    let pause = POLL_INITIAL_MS;
    for (;;) {
      if (Date.now() - this.#lastRebalance >= REBALANCE_INTERVAL_MS) await this.#rebalance();
      const messages = await this.#readOnce(options.limit);
      const remaining = deadline - Date.now();
      if (messages.length > 0 || remaining <= 0 || this.#closed) return messages;
      await sleep(Math.min(pause, remaining));
      pause = Math.min(pause * 2, POLL_MAX_MS);
    }
  }

  async commit(): Promise<void> {
    this.#assertOpen();
    if (this.#uncommitted.size === 0) return;
    const rows = [...this.#uncommitted].map(([partition, offset]) => [
      this.#stream,
      this.#group,
      partition,
      String(offset),
    ]);
    // GREATEST: an instance that lost a partition mid-batch may commit after its new owner did;
    // the group's position never moves back.
    await this.#pool.query(
      `INSERT INTO stream_group_offsets (stream, group_name, partition_no, committed_offset) VALUES ?
       ON DUPLICATE KEY UPDATE committed_offset = GREATEST(committed_offset, VALUES(committed_offset))`,
      [rows],
    );
    this.#uncommitted.clear();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.query(
      'DELETE FROM stream_group_instances WHERE stream = ? AND group_name = ? AND instance_name = ?',
      [this.#stream, this.#group, this.#instance],
    );
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new GroupReaderClosedError(`Reader ${this.#instance} has left group ${this.#group}`);
  }

  async #announce(): Promise<void> {
    await this.#pool.query(
      `INSERT INTO stream_group_instances (stream, group_name, instance_name) VALUES (?, ?, ?)
       ON DUPLICATE KEY UPDATE seen_at = NOW(3)`,
      [this.#stream, this.#group, this.#instance],
    );
  }

  async #rebalance(): Promise<void> {
    await this.#announce();
    this.#lastRebalance = Date.now();
    const [instances] = await this.#pool.query<RowDataPacket[]>(
      `SELECT instance_name FROM stream_group_instances
       WHERE stream = ? AND group_name = ? AND seen_at > NOW(3) - INTERVAL ? SECOND
       ORDER BY instance_name`,
      [this.#stream, this.#group, GROUP_INSTANCE_TIMEOUT_SECONDS],
    );
    const names = instances.map((row) => String(row.instance_name));
    const index = names.indexOf(this.#instance);
    const assigned: number[] = [];
    for (let partition = 0; partition < this.#partitions; partition++) {
      if (index >= 0 && partition % names.length === index) assigned.push(partition);
    }
    const gained = assigned.filter((partition) => !this.#positions.has(partition));
    const committed = new Map<number, bigint>();
    if (gained.length > 0) {
      const [rows] = await this.#pool.query<RowDataPacket[]>(
        `SELECT partition_no, CAST(committed_offset AS CHAR) AS committed_offset FROM stream_group_offsets
         WHERE stream = ? AND group_name = ? AND partition_no IN (?)`,
        [this.#stream, this.#group, gained],
      );
      for (const row of rows) committed.set(Number(row.partition_no), BigInt(String(row.committed_offset)));
    }
    const positions = new Map<number, bigint>();
    for (const partition of assigned) {
      positions.set(partition, this.#positions.get(partition) ?? committed.get(partition) ?? -1n);
    }
    this.#positions = positions;
  }

  /** Reads each assigned partition in turn (the first one rotating, so none starves) up to `limit`. */
  async #readOnce(limit: number): Promise<StreamMessage[]> {
    const partitions = [...this.#positions.keys()];
    if (partitions.length === 0) return [];
    const start = this.#rotation++ % partitions.length;
    const messages: StreamMessage[] = [];
    for (let step = 0; step < partitions.length && messages.length < limit; step++) {
      const partition = partitions[(start + step) % partitions.length] as number;
      const after = this.#positions.get(partition) ?? -1n;
      const [rows] = await this.#pool.query<MessageRow[]>(
        // The offset comes back as text (BIGINT may pass 2^53); aliased apart from the column so
        // that ORDER BY sorts numbers, not strings.
        `SELECT CAST(message_offset AS CHAR) AS offset_text, message_key, value, stored_at
         FROM stream_messages
         WHERE stream = ? AND partition_no = ? AND message_offset >= ?
         ORDER BY stream_messages.message_offset LIMIT ?`,
        [this.#stream, partition, String(after + 1n), limit - messages.length],
      );
      if (rows.length === 0) continue;
      for (const row of rows) {
        messages.push({
          partition: String(partition),
          offset: row.offset_text,
          key: Buffer.from(row.message_key).toString('utf8'),
          value: Buffer.from(row.value),
          timestamp: row.stored_at,
        });
      }
      const last = BigInt((rows.at(-1) as MessageRow).offset_text);
      this.#positions.set(partition, last);
      this.#uncommitted.set(partition, last);
    }
    return messages;
  }
}
