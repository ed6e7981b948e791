import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamUnavailableError } from '#shared/stream/event-stream.ts';
import { OciEventStream } from '#shared/stream/oci-stream.ts';
import { type FakeOciStreaming, startFakeOciStreaming } from '#test/support/fake-oci-streaming.ts';
import { rsaKeyPair, TEST_SIGNING_KEY_ID, testAuthProvider } from '#test/support/oci-test-auth.ts';

describe('Class: OciEventStream (against the fake OCI Streaming endpoint)', () => {
  const registered = rsaKeyPair();
  let fake: FakeOciStreaming;
  let streams = 0;

  function freshStream(privateKey = registered.privateKey, partitions = 2): OciEventStream {
    const streamId = `ocid1.stream.oc1.phx.oci${++streams}`;
    fake.createStream(streamId, { partitions });
    return new OciEventStream({
      streamId,
      messagesEndpoint: fake.endpoint,
      authenticationDetailsProvider: testAuthProvider(privateKey),
      groupInstanceTimeoutMs: 2_000,
    });
  }

  const text = (value: string) => Buffer.from(value, 'utf8');

  beforeAll(async () => {
    fake = await startFakeOciStreaming({ keys: { [TEST_SIGNING_KEY_ID]: registered.publicKey } });
  });

  afterAll(async () => {
    await fake?.close();
  });

  describe('Method: put', () => {
    it('sends signed requests with base64 keys and values that the stream stores byte for byte', async () => {
      // Arrange
      const stream = freshStream();
      const binary = Buffer.from([0, 255, 10, 13, 128]);

      // Act
      const outcomes = await stream.put([
        { key: 'design:ünïcødé', value: binary },
        { key: 'design:ünïcødé', value: text('{"type":"design.registered"}') },
      ]);
      const reader = await stream.openGroupReader('webhooks', 'bytes');
      const messages = await reader.next({ limit: 10, waitMs: 5_000 });
      await reader.close();

      // Assess
      expect(outcomes).toEqual([
        { ok: true, partition: expect.any(String), offset: '0' },
        { ok: true, partition: expect.any(String), offset: '1' },
      ]);
      expect(messages.map((m) => m.key)).toEqual(['design:ünïcødé', 'design:ünïcødé']);
      expect(messages[0]?.value.equals(binary)).toBe(true);
      expect(messages[1]?.value.toString()).toBe('{"type":"design.registered"}');
      expect(messages[0]?.timestamp).toBeInstanceOf(Date);
      expect(Number.isNaN(messages[0]?.timestamp.getTime())).toBe(false);
      expect(fake.rejectedRequests).toBe(0);
    });

    it('fails with StreamUnavailableError (401) when the signature is not accepted', async () => {
      // Arrange: a key the endpoint does not know.
      const stream = freshStream(rsaKeyPair().privateKey);
      const rejectedBefore = fake.rejectedRequests;

      // Act
      const failure = await stream.put([{ key: 'k', value: text('v') }]).catch((err: unknown) => err);

      // Assess
      expect(failure).toBeInstanceOf(StreamUnavailableError);
      expect((failure as StreamUnavailableError).status).toBe(401);
      expect(fake.rejectedRequests).toBe(rejectedBefore + 1);
    });

    it('turns a throttled request (429) into StreamUnavailableError without retrying it', async () => {
      // Arrange
      const stream = freshStream();
      const putsBefore = fake.calls['POST messages'] ?? 0;
      fake.throttleNextRequests(1);

      // Act
      const failure = await stream.put([{ key: 'k', value: text('v') }]).catch((err: unknown) => err);

      // Assess: one attempt only (the relay backs off), and nothing stored.
      expect(failure).toBeInstanceOf(StreamUnavailableError);
      expect((failure as StreamUnavailableError).status).toBe(429);
      expect((fake.calls['POST messages'] ?? 0) - putsBefore).toBe(1);
      const reader = await stream.openGroupReader('webhooks', 'throttled');
      expect(await reader.next({ limit: 10 })).toEqual([]);
      await reader.close();
    });

    it('maps per-message errors: throttling and internal errors are retryable, others are not', async () => {
      // Arrange
      const stream = freshStream();
      fake.failNextPutMessages({
        1: { error: 'Throttled', errorMessage: 'The partition is throttled' },
        2: { error: 'InternalServerError', errorMessage: 'Try again' },
        3: { error: 'InvalidMessage', errorMessage: 'Refused' },
      });

      // Act
      const outcomes = await stream.put(['a', 'b', 'c', 'd', 'e'].map((key) => ({ key, value: text(key) })));

      // Assess
      expect(outcomes[0]).toMatchObject({ ok: true });
      expect(outcomes[1]).toEqual({
        ok: false,
        retryable: true,
        code: 'Throttled',
        message: 'The partition is throttled',
      });
      expect(outcomes[2]).toMatchObject({ ok: false, retryable: true, code: 'InternalServerError' });
      expect(outcomes[3]).toMatchObject({ ok: false, retryable: false, code: 'InvalidMessage' });
      expect(outcomes[4]).toMatchObject({ ok: true });
      const reader = await stream.openGroupReader('webhooks', 'per-message');
      const stored = await reader.next({ limit: 10, waitMs: 5_000 });
      await reader.close();
      expect(stored.map((m) => m.key).sort()).toEqual(['a', 'e']);
    });

    it('isolates a record the service refuses whole (400) by halving the request: that record alone is refused for good', async () => {
      // Arrange: the service refuses any request carrying the value "poison" without naming it.
      const stream = freshStream();
      fake.refusePutsCarrying(text('poison'));
      const putsBefore = fake.calls['POST messages'] ?? 0;

      // Act
      const outcomes = await stream.put(
        ['a', 'b', 'poison', 'd', 'e'].map((value) => ({ key: `k-${value}`, value: text(value) })),
      );

      // Assess: four stored, the poison refused non-retryably, in a handful of requests (not one per record forever).
      expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, false, true, true]);
      expect(outcomes[2]).toMatchObject({ ok: false, retryable: false, code: 'Http400' });
      expect((fake.calls['POST messages'] ?? 0) - putsBefore).toBeLessThanOrEqual(6);
      const reader = await stream.openGroupReader('webhooks', 'poison');
      const stored = await reader.next({ limit: 10, waitMs: 5_000 });
      await reader.close();
      expect(stored.map((m) => m.value.toString()).sort()).toEqual(['a', 'b', 'd', 'e']);
    });

    it('splits puts into requests of at most 1 MB of values and reports a later failed request per record', async () => {
      // Arrange: three 600 KB values go in three requests; the second is throttled.
      const stream = freshStream();
      const big = (fill: number) => Buffer.alloc(600 * 1024, fill);
      const putsBefore = fake.calls['POST messages'] ?? 0;
      fake.throttleNextRequests(1, 1);

      // Act
      const outcomes = await stream.put([
        { key: 'a', value: big(1) },
        { key: 'b', value: big(2) },
        { key: 'c', value: big(3) },
      ]);

      // Assess: the first is stored, the throttled one and the one never sent come back retryable.
      expect((fake.calls['POST messages'] ?? 0) - putsBefore).toBe(2);
      expect(outcomes[0]).toMatchObject({ ok: true });
      expect(outcomes[1]).toMatchObject({ ok: false, retryable: true, code: 'Http429' });
      expect(outcomes[2]).toMatchObject({ ok: false, retryable: true, code: 'Http429' });
      const reader = await stream.openGroupReader('warehouse', 'big');
      const stored = await reader.next({ limit: 10, waitMs: 5_000 });
      await reader.close();
      expect(stored).toHaveLength(1);
      expect(stored[0]?.value.equals(big(1))).toBe(true);
    });
  });

  describe('Method: openGroupReader', () => {
    it('does not commit on get: a reader that read twice without committing leaves both batches to the next', async () => {
      // Arrange
      const stream = freshStream(registered.privateKey, 1);
      await stream.put(['e0', 'e1', 'e2', 'e3'].map((value) => ({ key: 'show:1', value: text(value) })));
      const first = await stream.openGroupReader('warehouse', 'first');
      await first.next({ limit: 2, waitMs: 5_000 });
      await first.next({ limit: 2, waitMs: 5_000 });
      await first.close();

      // Act: the same instance name comes back (a restarted consumer).
      const again = await stream.openGroupReader('warehouse', 'first');
      const messages = await again.next({ limit: 10, waitMs: 5_000 });
      await again.commit();
      await again.close();

      // Assess
      expect(messages.map((m) => m.value.toString())).toEqual(['e0', 'e1', 'e2', 'e3']);
      expect(fake.calls['POST commit']).toBeGreaterThan(0);
    });

    it('lets the SDK retry a throttled read (reads repeat harmlessly)', async () => {
      // Arrange
      const stream = freshStream();
      await stream.put([{ key: 'k', value: text('v') }]);
      const reader = await stream.openGroupReader('webhooks', 'retried');
      fake.throttleNextRequests(1);

      // Act
      const messages = await reader.next({ limit: 10, waitMs: 5_000 });
      await reader.close();

      // Assess
      expect(messages.map((m) => m.value.toString())).toEqual(['v']);
    });
  });
});
