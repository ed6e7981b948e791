import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MySqlWorkQueue } from '#shared/queue/mysql-queue.ts';
import { QueueRequestError, StaleReceiptError } from '#shared/queue/work-queue.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';

describe('MySqlWorkQueue', () => {
  let db: TestDatabase;
  let queueNumber = 0;

  function freshQueue(maxDeliveries = 5): MySqlWorkQueue {
    queueNumber += 1;
    return new MySqlWorkQueue({ pool: db.pool, name: `q${queueNumber}`, maxDeliveries });
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'mysql_queue');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('delivers a message, hides it, and deletes it by receipt', async () => {
    const queue = freshQueue();
    const [id] = await queue.put(['hello']);
    const [message] = await queue.receive({ visibilitySeconds: 30 });
    expect(message).toMatchObject({ id, content: 'hello', deliveryCount: 1 });
    expect(message?.visibleAfter.getTime()).toBeGreaterThan(Date.now() + 20_000);
    expect(await queue.receive({ visibilitySeconds: 30 })).toEqual([]);
    expect(await queue.stats()).toEqual({ visible: 0, inFlight: 1, deadLettered: 0 });

    await queue.delete(message?.receipt ?? '');
    expect(await queue.stats()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
    await expect(queue.delete(message?.receipt ?? '')).rejects.toBeInstanceOf(StaleReceiptError);
  });

  it('redelivers an unacknowledged message after the visibility timeout, with a new receipt', async () => {
    const queue = freshQueue();
    await queue.put(['job']);
    const [first] = await queue.receive({ visibilitySeconds: 1 });
    const [second] = await queue.receive({ visibilitySeconds: 30, waitSeconds: 5 });
    expect(second).toMatchObject({ id: first?.id, content: 'job', deliveryCount: 2 });
    expect(second?.receipt).not.toBe(first?.receipt);

    // The first consumer lost the message: its receipt can neither extend nor delete it.
    await expect(queue.extendVisibility(first?.receipt ?? '', 30)).rejects.toBeInstanceOf(StaleReceiptError);
    await expect(queue.delete(first?.receipt ?? '')).rejects.toBeInstanceOf(StaleReceiptError);
    await queue.delete(second?.receipt ?? '');
  });

  it('keeps a message hidden while its consumer extends the visibility', async () => {
    const queue = freshQueue();
    await queue.put(['long job']);
    const [message] = await queue.receive({ visibilitySeconds: 1 });
    await queue.extendVisibility(message?.receipt ?? '', 30);
    // Well past the original one-second visibility.
    expect(await queue.receive({ visibilitySeconds: 1, waitSeconds: 2 })).toEqual([]);
    await queue.delete(message?.receipt ?? '');
  });

  it('dead-letters a message instead of delivering it more than maxDeliveries times', async () => {
    const queue = freshQueue(2);
    const [id] = await queue.put(['poison']);
    for (let delivery = 1; delivery <= 2; delivery++) {
      const [message] = await queue.receive({ visibilitySeconds: 1, waitSeconds: 5 });
      expect(message?.deliveryCount).toBe(delivery);
    }
    // The third attempt finds the message exhausted and moves it aside.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await queue.receive({ visibilitySeconds: 1 })).toEqual([]);
    const deadLetters = await queue.deadLetters();
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ id, content: 'poison', deliveryCount: 2, receipt: '' });
    expect(await queue.stats()).toEqual({ visible: 0, inFlight: 0, deadLettered: 1 });
  });

  it('keeps queues apart', async () => {
    const first = freshQueue();
    const second = freshQueue();
    await first.put(['for first']);
    expect(await second.receive({ visibilitySeconds: 5 })).toEqual([]);
    const [message] = await first.receive({ visibilitySeconds: 5 });
    expect(message?.content).toBe('for first');
    await expect(second.delete(message?.receipt ?? '')).rejects.toBeInstanceOf(StaleReceiptError);
  });

  it('never hands the same message to two concurrent consumers within its visibility', async () => {
    const queue = freshQueue();
    const total = 200;
    const contents = Array.from({ length: total }, (_, index) => `m${index}`);
    for (let start = 0; start < total; start += 20) await queue.put(contents.slice(start, start + 20));

    const seen = new Map<string, number>();
    const consumer = async () => {
      for (;;) {
        const batch = await queue.receive({ visibilitySeconds: 60, limit: 7 });
        if (batch.length === 0) return;
        for (const message of batch) {
          seen.set(message.content, (seen.get(message.content) ?? 0) + 1);
          await queue.delete(message.receipt);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, consumer));

    expect(seen.size).toBe(total);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    expect(await queue.stats()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
  });

  it('long-polls until a message arrives', async () => {
    const queue = freshQueue();
    const waiting = queue.receive({ visibilitySeconds: 5, waitSeconds: 10 });
    setTimeout(() => void queue.put(['late']), 300);
    const [message] = await waiting;
    expect(message?.content).toBe('late');
  });

  it('returns an empty batch when the long poll times out', async () => {
    const queue = freshQueue();
    expect(await queue.receive({ visibilitySeconds: 5, waitSeconds: 1 })).toEqual([]);
  });

  it('enforces the OCI Queue limits', async () => {
    const queue = freshQueue();
    await expect(queue.put([])).rejects.toBeInstanceOf(QueueRequestError);
    await expect(queue.put(Array.from({ length: 21 }, () => 'x'))).rejects.toBeInstanceOf(QueueRequestError);
    await expect(queue.put(['x'.repeat(128 * 1024 + 1)])).rejects.toBeInstanceOf(QueueRequestError);
    await expect(queue.receive({ visibilitySeconds: 1, limit: 21 })).rejects.toBeInstanceOf(
      QueueRequestError,
    );
    await expect(queue.receive({ visibilitySeconds: 0.5 })).rejects.toBeInstanceOf(QueueRequestError);
  });

  it('stores multi-byte content unchanged', async () => {
    const queue = freshQueue();
    const content = JSON.stringify({ title: 'Größe 😀 模型' });
    await queue.put([content]);
    const [message] = await queue.receive({ visibilitySeconds: 5 });
    expect(message?.content).toBe(content);
  });
});
