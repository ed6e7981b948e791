import { describe, expect, it } from 'vitest';
import { decodePublishedEvent } from '#events/domain/stream-message.ts';
import { planRound, putShareOf } from '#functions/outbox-relay/relay.ts';
import type { PendingOutboxRow } from '#shared/outbox/relay-store.ts';

let nextSeq = 1;
function row(aggregateId: string, options: { type?: string; reason?: string } = {}): PendingOutboxRow {
  const seq = nextSeq++;
  return {
    seq: String(seq),
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    eventType: options.type ?? 'video.failed',
    eventVersion: 1,
    aggregateType: 'video',
    aggregateId,
    createdAt: new Date('2026-12-07T12:00:00.000Z'),
    payloadJson: JSON.stringify({ videoId: aggregateId, code: 'c', reason: options.reason ?? `#${seq}` }),
    publishAttempts: 0,
    refusingSeconds: undefined,
  };
}

describe('Function: outbox-relay', () => {
  describe('Method: planRound', () => {
    it('puts only the oldest pending event of each aggregate, in seq order, as published events keyed by aggregate', () => {
      // Prepare: a, b, a, c, b (a and b each have a later event waiting).
      const pending = [row('a'), row('b'), row('a'), row('c'), row('b')];

      // Act
      const plan = planRound(pending, 500);

      // Assess
      expect(plan.unpublishable).toEqual([]);
      expect(plan.batch.map(({ row: r }) => r.seq)).toEqual([
        pending[0]?.seq,
        pending[1]?.seq,
        pending[3]?.seq,
      ]);
      expect(plan.batch.map(({ record }) => record.key)).toEqual(['video:a', 'video:b', 'video:c']);
      const first = decodePublishedEvent(plan.batch[0]?.record.value as Buffer);
      expect(first).toEqual({
        id: pending[0]?.id,
        type: 'video.failed',
        version: 1,
        aggregateType: 'video',
        aggregateId: 'a',
        occurredAt: '2026-12-07T12:00:00.000Z',
        sequence: pending[0]?.seq,
        payload: JSON.parse(pending[0]?.payloadJson as string),
      });
    });

    it('stops at the batch size and at the put’s byte limit, but puts a record larger than the limit alone', () => {
      // Prepare
      const pending = ['a', 'b', 'c', 'd'].map((id) => row(id, { reason: 'x'.repeat(300) }));
      const sizes = planRound(pending, 500).batch.map(({ record }) => putShareOf(record));
      const [first = 0, second = 0, third = 0] = sizes;

      // Act
      const byCount = planRound(pending, 2);
      const byBytes = planRound(pending, 500, first + second + third - 1);
      const tooLarge = planRound(pending, 500, first - 1);

      // Assess
      expect(byCount.batch).toHaveLength(2);
      expect(byBytes.batch).toHaveLength(2);
      expect(tooLarge.batch.map(({ record }) => record.key)).toEqual(['video:a']);
    });

    it('counts a record as OCI counts its PutMessages share: base64 key and value plus the members', () => {
      // Act
      const share = putShareOf({ key: 'video:a', value: Buffer.alloc(100) });

      // Assess: 7 key bytes → 12 base64 characters, 100 value bytes → 136, and 32 for the JSON around them.
      expect(share).toBe(12 + 136 + 32);
    });

    it('puts nothing of a key that sits out its backoff, not even its later rows, and the other heads as usual', () => {
      // Prepare: a's head was refused and its backoff has not ended; a has a later event waiting.
      const pending = [row('a'), row('b'), row('a'), row('c')];

      // Act
      const plan = planRound(pending, 500, undefined, (key) => key === 'video:a');

      // Assess
      expect(plan.batch.map(({ record }) => record.key)).toEqual(['video:b', 'video:c']);
      expect(plan.unpublishable).toEqual([]);
    });

    it('sets a head whose type is not in the catalogue aside for dead-lettering, and puts the other heads', () => {
      // Prepare
      const legacy = row('old', { type: 'video.exploded' });
      const pending = [legacy, row('old'), row('new')];

      // Act
      const plan = planRound(pending, 500);

      // Assess: the legacy row's successor waits for the next round (after the dead letter).
      expect(plan.unpublishable).toEqual([
        { row: legacy, reason: 'event type video.exploded is not in the catalogue' },
      ]);
      expect(plan.batch.map(({ record }) => record.key)).toEqual(['video:new']);
    });
  });
});
