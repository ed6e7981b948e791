import { describe, expect, it } from 'vitest';
import { authorizeSchema, doneSchema, updateSchema } from '#functions/live-ingest/schema.ts';
import { createStreamSchema } from '#functions/live-streams/schema.ts';
import {
  doneOutcome,
  publishVerdict,
  reconnectExpiry,
  type StreamFacts,
  updateVerdict,
} from '#shared/live/live-stream.ts';
import { isStreamKeyShape, issueStreamKey } from '#shared/live/stream-key.ts';

/** A stream whose publisher left 10 s ago, inside a 60 s window, nothing pending. */
function reconnecting(overrides: Partial<StreamFacts> = {}): StreamFacts {
  return {
    status: 'reconnecting',
    session: 1,
    workerId: null,
    cutReason: null,
    recordedSeconds: 30,
    maxDurationSeconds: 60,
    heartbeatAgeMs: 10_000,
    disconnectedAgeMs: 10_000,
    reconnectWindowSeconds: 60,
    finalised: false,
    showCancelled: false,
    assetGone: false,
    ...overrides,
  };
}

describe('Review: live stream rules', () => {
  describe('Function: reconnectExpiry', () => {
    it('does not wait out the window for a reconnect the publish gate would refuse', () => {
      // Prepare
      const cases: Array<[Partial<StreamFacts>, string]> = [
        [{ recordedSeconds: 60 }, 'max-duration'],
        [{ showCancelled: true }, 'show-cancelled'],
        [{ assetGone: true }, 'asset-deleted'],
      ];

      for (const [overrides, reason] of cases) {
        // Act
        const stream = reconnecting(overrides);

        // Assess: the gate refuses the reconnect, and the watchdog ends it now with the same reason.
        expect(publishVerdict(stream, 5)).toMatchObject({ ok: false, code: reason });
        expect(reconnectExpiry(stream)).toBe(reason);
      }
    });

    it('keeps waiting while a reconnect is still possible, and ends at the window', () => {
      expect(reconnectExpiry(reconnecting())).toBeUndefined();
      expect(reconnectExpiry(reconnecting({ cutReason: 'key-rotated' }))).toBeUndefined();
      expect(reconnectExpiry(reconnecting({ disconnectedAgeMs: 60_000 }))).toBe('reconnect-window-expired');
      expect(reconnectExpiry(reconnecting({ finalised: true, recordedSeconds: 90 }))).toBeUndefined();
    });
  });

  describe('Function: updateVerdict and doneOutcome', () => {
    it('fence a call of another worker or session before any cut is revealed', () => {
      // Prepare: the stream is being cut, and a stranger asks.
      const stream = reconnecting({ status: 'live', workerId: 'agent-a', cutReason: 'key-rotated' });

      // Act / Assess
      expect(updateVerdict(stream, { session: 1, workerId: 'agent-b' })).toMatchObject({
        code: 'session-superseded',
      });
      expect(updateVerdict(stream, { session: 0, workerId: 'agent-a' })).toMatchObject({
        code: 'session-superseded',
      });
      expect(doneOutcome(stream, { session: 1, workerId: 'agent-b' })).toEqual({ kind: 'stale' });
      expect(doneOutcome(stream, { session: 1, workerId: 'agent-a' })).toEqual({ kind: 'reconnecting' });
    });
  });

  describe('Schemas', () => {
    it('bound every agent figure inside the columns it adds up in', () => {
      // Prepare
      const base = { session: 1, workerId: 'a', recordedSeconds: 1, segments: 1 };

      // Act / Assess
      for (const schema of [updateSchema, doneSchema]) {
        expect(schema.safeParse({ ...base, reason: 'cut' }).success).toBe(true);
        expect(schema.safeParse({ ...base, reason: 'cut', recordedSeconds: 9_999_999.999 }).success).toBe(
          false,
        );
        expect(schema.safeParse({ ...base, reason: 'cut', segments: 2 ** 32 }).success).toBe(false);
        expect(schema.safeParse({ ...base, reason: 'cut', session: 2 ** 32 }).success).toBe(false);
      }
    });

    it('refuse a creation with unknown members or out-of-range limits', () => {
      expect(createStreamSchema.safeParse({ title: 'ok', orgId: 'x' }).success).toBe(false);
      expect(createStreamSchema.safeParse({ title: 'ok', reconnectWindowSeconds: 301 }).success).toBe(false);
      expect(createStreamSchema.safeParse({ title: 'ok', maxDurationSeconds: 86_401 }).success).toBe(false);
      expect(createStreamSchema.parse({ title: '  ok  ' })).toEqual({
        title: 'ok',
        reconnectWindowSeconds: 60,
        maxDurationSeconds: 14_400,
      });
    });

    it('take a real key to the lookup and refuse anything else before it', () => {
      const { plaintext } = issueStreamKey();
      expect(isStreamKeyShape(plaintext)).toBe(true);
      for (const wrong of [
        `${plaintext} `,
        plaintext.slice(0, -1),
        plaintext.replace('fcsk_', 'FCSK_'),
        '',
      ]) {
        expect(isStreamKeyShape(wrong)).toBe(false);
      }
      expect(
        authorizeSchema.safeParse({ streamKey: 'k'.repeat(257), protocol: 'rtmp', workerId: 'a' }).success,
      ).toBe(false);
    });
  });
});
