import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STREAM_LIMITS, type StreamMessage } from '#shared/stream/event-stream.ts';
import {
  GroupReaderClosedError,
  MySqlEventStream,
  StreamDefinitionError,
} from '#shared/stream/mysql-stream.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';

describe('Class: MySqlEventStream (what only the local stream shows)', () => {
  let db: TestDatabase;
  let streams = 0;

  function freshStream(partitions = 2, retentionHours?: number): MySqlEventStream {
    return new MySqlEventStream({
      pool: db.pool,
      name: `local${++streams}`,
      partitions,
      ...(retentionHours === undefined ? {} : { retentionHours }),
    });
  }

  const text = (value: string) => Buffer.from(value, 'utf8');

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'event_stream_mysql');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('stores a value of exactly 1 MB and a 256-byte key, and reads them back unchanged', async () => {
    // Arrange
    const stream = freshStream();
    const value = Buffer.alloc(STREAM_LIMITS.maxValueBytes, 7);
    const key = '😀'.repeat(64);

    // Act
    const [outcome] = await stream.put([{ key, value }]);
    const reader = await stream.openGroupReader('warehouse', 'big');
    const [message] = await reader.next({ limit: 1, waitMs: 5_000 });
    await reader.close();

    // Assess
    expect(outcome).toMatchObject({ ok: true, offset: '0' });
    expect(message?.key).toBe(key);
    expect(message?.value.equals(value)).toBe(true);
  });

  it('stores a put of several large values over more than one INSERT, in order', async () => {
    // Arrange: 5 MB in one put, more than one statement may carry.
    const stream = freshStream(1);
    const records = [1, 2, 3, 4, 5].map((fill) => ({
      key: 'k',
      value: Buffer.alloc(STREAM_LIMITS.maxValueBytes, fill),
    }));

    // Act
    const outcomes = await stream.put(records);
    const reader = await stream.openGroupReader('warehouse', 'large');
    const messages: StreamMessage[] = [];
    const deadline = Date.now() + 20_000;
    while (messages.length < records.length && Date.now() < deadline) {
      messages.push(...(await reader.next({ limit: 10, waitMs: 1_000 })));
    }
    await reader.close();

    // Assess
    expect(outcomes.map((outcome) => (outcome.ok ? outcome.offset : 'refused'))).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
    ]);
    expect(messages.map((m) => m.value[0])).toEqual([1, 2, 3, 4, 5]);
    expect(messages.every((m) => m.value.length === STREAM_LIMITS.maxValueBytes)).toBe(true);
  });

  it('refuses a second definition of the stream with another partition count', async () => {
    // Arrange
    const stream = freshStream(2);
    await stream.put([{ key: 'k', value: text('v') }]);

    // Act
    const other = new MySqlEventStream({ pool: db.pool, name: stream.name, partitions: 3 });

    // Assess: the put fails as a whole (nothing stored) and names the cause.
    const failure = await other.put([{ key: 'k', value: text('v') }]).catch((err: unknown) => err);
    expect((failure as Error).name).toBe('StreamUnavailableError');
    expect((failure as Error).cause).toBeInstanceOf(StreamDefinitionError);
  });

  it('deletes messages past retention; a group then starts at the oldest retained one', async () => {
    // Arrange: three messages, the first two stored two hours ago (by the database clock).
    const stream = freshStream(1, 1);
    await stream.put(['old1', 'old2', 'new'].map((value) => ({ key: 'k', value: text(value) })));
    await db.pool.query(
      `UPDATE stream_messages SET stored_at = stored_at - INTERVAL 2 HOUR
       WHERE stream = ? AND message_offset < 2`,
      [stream.name],
    );

    // Act
    const deleted = await stream.purgeExpired();
    const reader = await stream.openGroupReader('webhooks', 'late');
    const messages = await reader.next({ limit: 10, waitMs: 5_000 });
    await reader.close();

    // Assess: offsets are not reused after the purge.
    expect(deleted).toBe(2);
    expect(messages.map((m) => [m.offset, m.value.toString()])).toEqual([['2', 'new']]);
    const [next] = await stream.put([{ key: 'k', value: text('after') }]);
    expect(next).toMatchObject({ ok: true, offset: '3' });
  });

  it('gives the partitions of an instance unseen for 30 s to the live one', async () => {
    // Arrange: two instances split two partitions.
    const stream = freshStream(2);
    const records = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: text(`m${i}`) }));
    await stream.put(records);
    const live = await stream.openGroupReader('webhooks', 'live');
    const silent = await stream.openGroupReader('webhooks', 'silent');
    const firstBatch = await live.next({ limit: 100, waitMs: 2_000 });
    expect(firstBatch.length).toBeLessThan(records.length);

    // Act: the silent one was last seen 31 s ago (it crashed without closing).
    await db.pool.query(
      `UPDATE stream_group_instances SET seen_at = NOW(3) - INTERVAL 31 SECOND
       WHERE stream = ? AND instance_name = 'silent'`,
      [stream.name],
    );
    const rest: StreamMessage[] = [];
    const deadline = Date.now() + 20_000;
    while (firstBatch.length + rest.length < records.length && Date.now() < deadline) {
      rest.push(...(await live.next({ limit: 100, waitMs: 500 })));
    }
    await live.close();

    // Assess
    expect([...firstBatch, ...rest].map((m) => m.value.toString()).sort()).toEqual(
      records.map((r) => r.value.toString()).sort(),
    );
    await silent.close();
  });

  it('never moves a group back: a late commit of an older offset leaves the newer one', async () => {
    // Arrange: two readers of one group read the same partition (as during a hand-over).
    const stream = freshStream(1);
    await stream.put(['a', 'b', 'c', 'd'].map((value) => ({ key: 'k', value: text(value) })));
    const ahead = await stream.openGroupReader('warehouse', 'ahead');
    await ahead.next({ limit: 4, waitMs: 2_000 });
    await ahead.commit();
    await ahead.close();
    const behind = await stream.openGroupReader('warehouse', 'behind');
    await db.pool.query('DELETE FROM stream_group_offsets WHERE stream = ?', [stream.name]);
    await behind.next({ limit: 1, waitMs: 2_000 });
    await db.pool.query(
      `INSERT INTO stream_group_offsets (stream, group_name, partition_no, committed_offset) VALUES (?, 'warehouse', 0, 3)`,
      [stream.name],
    );

    // Act
    await behind.commit();
    await behind.close();

    // Assess
    const [rows] = await db.pool.query('SELECT committed_offset FROM stream_group_offsets WHERE stream = ?', [
      stream.name,
    ]);
    expect(rows).toEqual([{ committed_offset: 3 }]);
  });

  it('refuses next and commit after close', async () => {
    const reader = await freshStream().openGroupReader('webhooks', 'closed');
    await reader.close();
    await expect(reader.next({ limit: 1 })).rejects.toBeInstanceOf(GroupReaderClosedError);
    await expect(reader.commit()).rejects.toBeInstanceOf(GroupReaderClosedError);
  });
});
