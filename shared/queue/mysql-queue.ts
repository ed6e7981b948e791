import { randomBytes } from 'node:crypto';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { type DbConnection, type DbPool, withTransaction } from '../db/pool.ts';
import {
  type QueueMessage,
  type ReceiveOptions,
  StaleReceiptError,
  validatePut,
  validateReceive,
  validateVisibility,
  type WorkQueue,
} from './work-queue.ts';

/**
 * The work-queue port on MySQL/MariaDB (`queue_messages`, migration 0001), with OCI Queue
 * semantics. All times come from the database clock (NOW(3)) so that consumers on machines
 * with skewed clocks still agree on visibility.
 */
export interface MySqlWorkQueueOptions {
  readonly pool: DbPool;
  readonly name: string;
  /** Deliveries before a message is dead-lettered (OCI: deadLetterQueueDeliveryCount). */
  readonly maxDeliveries?: number;
  /** How long a message is kept, delivered or not (OCI: retentionInSeconds, 10 s to 7 days). */
  readonly retentionSeconds?: number;
}

const DEFAULT_MAX_DELIVERIES = 5;
const DEFAULT_RETENTION_SECONDS = 86_400;
const PURGE_INTERVAL_MS = 30_000;
const PURGE_BATCH = 1_000;
const POLL_INITIAL_MS = 25;
const POLL_MAX_MS = 500;

interface CandidateRow extends RowDataPacket {
  id: number | string;
  delivery_count: number;
}

interface MessageRow extends RowDataPacket {
  id: number | string;
  content: string;
  receipt: string | null;
  delivery_count: number;
  visible_after: Date;
  expire_after: Date;
}

export class MySqlWorkQueue implements WorkQueue {
  readonly name: string;
  readonly #pool: DbPool;
  readonly #maxDeliveries: number;
  readonly #retentionSeconds: number;
  #lastPurge = 0;

  constructor(options: MySqlWorkQueueOptions) {
    if (options.name.length === 0 || options.name.length > 128) {
      throw new RangeError('A queue name must be 1 to 128 characters');
    }
    this.name = options.name;
    this.#pool = options.pool;
    this.#maxDeliveries = options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
    this.#retentionSeconds = options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS;
    if (!Number.isInteger(this.#maxDeliveries) || this.#maxDeliveries < 1) {
      throw new RangeError('maxDeliveries must be a positive integer');
    }
  }

  async put(contents: readonly string[]): Promise<readonly string[]> {
    validatePut(contents);
    return withTransaction(this.#pool, async (connection) => {
      const ids: string[] = [];
      // One insert per message: insertId of a multi-row insert is only the first id, and
      // the rest are not guaranteed consecutive under interleaved auto-increment locking.
      for (const content of contents) {
        const [result] = await connection.query<ResultSetHeader>(
          `INSERT INTO queue_messages (queue, content, visible_after, expire_after)
           VALUES (?, ?, NOW(3), NOW(3) + INTERVAL ? SECOND)`,
          [this.name, content, this.#retentionSeconds],
        );
        ids.push(String(result.insertId));
      }
      return ids;
    });
  }

  async receive(options: ReceiveOptions): Promise<readonly QueueMessage[]> {
    validateReceive(options);
    await this.#purgeExpiredNow();
    const deadline = Date.now() + (options.waitSeconds ?? 0) * 1000;
    let pause = POLL_INITIAL_MS;
    for (;;) {
      const messages = await this.#receiveOnce(options.visibilitySeconds, options.limit ?? 1);
      const remaining = deadline - Date.now();
      if (messages.length > 0 || remaining <= 0) return messages;
      await sleep(Math.min(pause, remaining));
      pause = Math.min(pause * 2, POLL_MAX_MS);
    }
  }

  async delete(receipt: string): Promise<void> {
    // In a (retried) transaction: under concurrent receives InnoDB can pick this single-row
    // delete as a deadlock victim (seen with 8 consumers on a loaded machine); a rolled-back
    // delete is safe to run again.
    const [result] = await withTransaction(this.#pool, (connection) =>
      connection.query<ResultSetHeader>(
        'DELETE FROM queue_messages WHERE queue = ? AND receipt = ? AND dead_lettered_at IS NULL',
        [this.name, receipt],
      ),
    );
    if (result.affectedRows === 0) throw new StaleReceiptError();
  }

  async extendVisibility(receipt: string, visibilitySeconds: number): Promise<void> {
    validateVisibility(visibilitySeconds);
    // The connection reports found rows (CLIENT_FOUND_ROWS), so an unchanged timestamp
    // still counts as a match.
    const [result] = await withTransaction(this.#pool, (connection) =>
      connection.query<ResultSetHeader>(
        `UPDATE queue_messages SET visible_after = NOW(3) + INTERVAL ? MICROSECOND
         WHERE queue = ? AND receipt = ? AND dead_lettered_at IS NULL AND expire_after > NOW(3)`,
        [visibilitySeconds * 1_000_000, this.name, receipt],
      ),
    );
    if (result.affectedRows === 0) throw new StaleReceiptError();
  }

  async deadLetters(limit = 100): Promise<readonly QueueMessage[]> {
    const [rows] = await this.#pool.query<MessageRow[]>(
      `SELECT id, content, receipt, delivery_count, visible_after, expire_after FROM queue_messages
       WHERE queue = ? AND dead_lettered_at IS NOT NULL AND expire_after > NOW(3)
       ORDER BY dead_lettered_at, id LIMIT ?`,
      [this.name, limit],
    );
    return rows.map(toMessage);
  }

  async stats(): Promise<{ visible: number; inFlight: number; deadLettered: number }> {
    const [rows] = await this.#pool.query<RowDataPacket[]>(
      `SELECT
         COALESCE(SUM(dead_lettered_at IS NULL AND visible_after <= NOW(3)), 0) AS visible,
         COALESCE(SUM(dead_lettered_at IS NULL AND visible_after > NOW(3)), 0) AS in_flight,
         COALESCE(SUM(dead_lettered_at IS NOT NULL), 0) AS dead_lettered
       FROM queue_messages WHERE queue = ? AND expire_after > NOW(3)`,
      [this.name],
    );
    const row = rows[0];
    return {
      visible: Number(row?.visible ?? 0),
      inFlight: Number(row?.in_flight ?? 0),
      deadLettered: Number(row?.dead_lettered ?? 0),
    };
  }

  /** Deletes messages past retention; throttled so busy consumers don't pay for it each call. */
  async purgeExpired(): Promise<number> {
    const [result] = await this.#pool.query<ResultSetHeader>(
      'DELETE FROM queue_messages WHERE queue = ? AND expire_after <= NOW(3) LIMIT ?',
      [this.name, PURGE_BATCH],
    );
    return result.affectedRows;
  }

  async #purgeExpiredNow(): Promise<void> {
    if (Date.now() - this.#lastPurge < PURGE_INTERVAL_MS) return;
    this.#lastPurge = Date.now();
    await this.purgeExpired();
  }

  #receiveOnce(visibilitySeconds: number, limit: number): Promise<QueueMessage[]> {
    return withTransaction(this.#pool, async (connection) => {
      const delivered: (number | string)[] = [];
      // Dead-lettering frees slots in the batch, so keep claiming until it is full or empty.
      while (delivered.length < limit) {
        const candidates = await this.#claimCandidates(connection, limit - delivered.length);
        if (candidates.length === 0) break;
        const exhausted = candidates.filter((row) => row.delivery_count >= this.#maxDeliveries);
        if (exhausted.length > 0) {
          await connection.query(
            'UPDATE queue_messages SET dead_lettered_at = NOW(3), receipt = NULL WHERE id IN (?)',
            [exhausted.map((row) => row.id)],
          );
        }
        for (const row of candidates) {
          if (row.delivery_count >= this.#maxDeliveries) continue;
          await connection.query(
            `UPDATE queue_messages
             SET delivery_count = delivery_count + 1, receipt = ?,
                 visible_after = NOW(3) + INTERVAL ? MICROSECOND
             WHERE id = ?`,
            [newReceipt(), visibilitySeconds * 1_000_000, row.id],
          );
          delivered.push(row.id);
        }
      }
      if (delivered.length === 0) return [];
      const [rows] = await connection.query<MessageRow[]>(
        `SELECT id, content, receipt, delivery_count, visible_after, expire_after
         FROM queue_messages WHERE id IN (?)`,
        [delivered],
      );
      const order = new Map(delivered.map((id, index) => [String(id), index]));
      return rows.map(toMessage).sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    });
  }

  async #claimCandidates(connection: DbConnection, limit: number): Promise<CandidateRow[]> {
    const [rows] = await connection.query<CandidateRow[]>(
      `SELECT id, delivery_count FROM queue_messages
       WHERE queue = ? AND dead_lettered_at IS NULL AND visible_after <= NOW(3) AND expire_after > NOW(3)
       ORDER BY visible_after, id
       LIMIT ?
       FOR UPDATE SKIP LOCKED`,
      [this.name, limit],
    );
    return rows;
  }
}

function newReceipt(): string {
  return randomBytes(24).toString('base64url');
}

function toMessage(row: MessageRow): QueueMessage {
  return {
    id: String(row.id),
    content: row.content,
    receipt: row.receipt ?? '',
    deliveryCount: row.delivery_count,
    visibleAfter: row.visible_after,
    expireAfter: row.expire_after,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
