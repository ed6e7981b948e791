import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciWorkQueue, QueueOperationNotSupportedError, QueueServiceError } from '#shared/queue/oci-queue.ts';
import { StaleReceiptError } from '#shared/queue/work-queue.ts';
import { type FakeOciQueue, startFakeOciQueue } from '#test/support/fake-oci-queue.ts';
import { rsaKeyPair, TEST_SIGNING_KEY_ID, testAuthProvider } from '#test/support/oci-test-auth.ts';

describe('OciWorkQueue against the fake OCI Queue endpoint', () => {
  const registered = rsaKeyPair();
  let fake: FakeOciQueue;
  let queueNumber = 0;

  function freshQueue(privateKey = registered.privateKey, deadLetterQueueDeliveryCount = 5): OciWorkQueue {
    queueNumber += 1;
    const queueId = `ocid1.queue.oc1.phx.fake${queueNumber}`;
    fake.createQueue(queueId, { deadLetterQueueDeliveryCount });
    return new OciWorkQueue({
      queueId,
      messagesEndpoint: fake.endpoint,
      authenticationDetailsProvider: testAuthProvider(privateKey),
    });
  }

  beforeAll(async () => {
    fake = await startFakeOciQueue({ keys: { [TEST_SIGNING_KEY_ID]: registered.publicKey } });
  });

  afterAll(async () => {
    await fake?.close();
  });

  it('puts, receives, extends and deletes through signed requests', async () => {
    const queue = freshQueue();
    const ids = await queue.put(['first', 'second ünïcødé']);
    expect(ids).toHaveLength(2);

    const messages = await queue.receive({ visibilitySeconds: 30, limit: 10 });
    expect(messages.map((message) => message.content)).toEqual(['first', 'second ünïcødé']);
    expect(messages.map((message) => message.id)).toEqual(ids);
    expect(messages[0]?.deliveryCount).toBe(1);
    expect(messages[0]?.visibleAfter).toBeInstanceOf(Date);
    expect(messages[0]?.visibleAfter.getTime()).toBeGreaterThan(Date.now());
    expect(await queue.stats()).toEqual({ visible: 0, inFlight: 2, deadLettered: 0 });

    for (const message of messages) {
      await queue.extendVisibility(message.receipt, 60);
      await queue.delete(message.receipt);
    }
    expect(await queue.stats()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
    expect(fake.rejectedRequests).toBe(0);
  });

  it('carries receipts with /, + and = through the path encoding', async () => {
    const queue = freshQueue();
    await queue.put(Array.from({ length: 20 }, (_, index) => `m${index}`));
    const messages = await queue.receive({ visibilitySeconds: 30, limit: 20 });
    expect(messages.some((message) => /[/+=]/.test(message.receipt))).toBe(true);
    for (const message of messages) await queue.delete(message.receipt);
    expect((await queue.stats()).inFlight).toBe(0);
  });

  it('redelivers after the visibility timeout and refuses the stale receipt', async () => {
    const queue = freshQueue();
    await queue.put(['job']);
    const [first] = await queue.receive({ visibilitySeconds: 1 });
    const [second] = await queue.receive({ visibilitySeconds: 30, waitSeconds: 5 });
    expect(second).toMatchObject({ id: first?.id, deliveryCount: 2 });
    await expect(queue.delete(first?.receipt ?? '')).rejects.toBeInstanceOf(StaleReceiptError);
    await expect(queue.extendVisibility(first?.receipt ?? '', 10)).rejects.toBeInstanceOf(StaleReceiptError);
    await queue.delete(second?.receipt ?? '');
  });

  it('counts dead-lettered messages and documents that they cannot be listed', async () => {
    const queue = freshQueue(registered.privateKey, 1);
    await queue.put(['poison']);
    expect(await queue.receive({ visibilitySeconds: 1 })).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await queue.receive({ visibilitySeconds: 1 })).toEqual([]);
    expect((await queue.stats()).deadLettered).toBe(1);
    await expect(queue.deadLetters()).rejects.toBeInstanceOf(QueueOperationNotSupportedError);
  });

  it('long-polls until a message arrives', async () => {
    const queue = freshQueue();
    const waiting = queue.receive({ visibilitySeconds: 5, waitSeconds: 10 });
    setTimeout(() => void queue.put(['late']), 300);
    expect((await waiting).map((message) => message.content)).toEqual(['late']);
  });

  it('is refused with 401 when the request is signed with an unregistered key', async () => {
    const queue = freshQueue(rsaKeyPair().privateKey);
    const before = fake.rejectedRequests;
    const error = await queue.put(['forged']).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(QueueServiceError);
    expect((error as QueueServiceError).status).toBe(401);
    expect((error as QueueServiceError).serviceCode).toBe('NotAuthenticated');
    await expect(queue.receive({ visibilitySeconds: 1 })).rejects.toMatchObject({ status: 401 });
    expect(fake.rejectedRequests).toBe(before + 2);
  });
});
