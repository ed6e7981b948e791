import { describe, expect, it } from 'vitest';
import {
  doneOutcome,
  endRequestOutcome,
  isSilent,
  publishVerdict,
  reconnectExpiry,
  type StreamFacts,
  updateVerdict,
} from '#shared/live/live-stream.ts';
import { hashStreamKey, isStreamKeyShape, issueStreamKey } from '#shared/live/stream-key.ts';
import { transcodeQueueMessageSchema } from '#shared/video/transcode-job.ts';

const INTERVAL = 5;
const SILENT_MS = 3 * INTERVAL * 1000;

/** A stream with a publisher on, heard from a second ago, nothing pending. */
function facts(overrides: Partial<StreamFacts> = {}): StreamFacts {
  return {
    status: 'live',
    session: 2,
    workerId: 'agent-a',
    cutReason: null,
    recordedSeconds: 100,
    maxDurationSeconds: 14_400,
    heartbeatAgeMs: 1000,
    disconnectedAgeMs: null,
    reconnectWindowSeconds: 60,
    finalised: false,
    showCancelled: false,
    assetGone: false,
    ...overrides,
  };
}

const call = { session: 2, workerId: 'agent-a' };

describe('Module: live stream rules', () => {
  describe('Function: publishVerdict', () => {
    it('admits a publish to an idle or reconnecting stream', () => {
      expect(publishVerdict(facts({ status: 'idle', heartbeatAgeMs: null }), INTERVAL).ok).toBe(true);
      expect(publishVerdict(facts({ status: 'reconnecting', heartbeatAgeMs: 40_000 }), INTERVAL).ok).toBe(
        true,
      );
    });

    it('refuses a second publisher while the first is heard from, and admits a takeover once it is silent', () => {
      // Act
      const fresh = publishVerdict(facts({ status: 'starting', heartbeatAgeMs: SILENT_MS - 1 }), INTERVAL);
      const silent = publishVerdict(facts({ status: 'live', heartbeatAgeMs: SILENT_MS }), INTERVAL);

      // Assess
      expect(fresh).toMatchObject({ ok: false, code: 'already-live' });
      expect(silent.ok).toBe(true);
    });

    it('names the reason for every refusal, ended before deleted before cancelled before max duration', () => {
      expect(publishVerdict(facts({ status: 'ended', assetGone: true }), INTERVAL)).toMatchObject({
        code: 'stream-ended',
      });
      expect(publishVerdict(facts({ finalised: true, status: 'reconnecting' }), INTERVAL)).toMatchObject({
        code: 'stream-ended',
      });
      expect(publishVerdict(facts({ status: 'failed' }), INTERVAL)).toMatchObject({ code: 'stream-ended' });
      expect(
        publishVerdict(facts({ status: 'idle', assetGone: true, showCancelled: true }), INTERVAL),
      ).toMatchObject({ code: 'asset-deleted' });
      expect(publishVerdict(facts({ status: 'idle', showCancelled: true }), INTERVAL)).toMatchObject({
        code: 'show-cancelled',
      });
      expect(
        publishVerdict(facts({ status: 'reconnecting', cutReason: 'stream-ended' }), INTERVAL),
      ).toMatchObject({
        code: 'stream-ended',
      });
      expect(
        publishVerdict(facts({ status: 'reconnecting', recordedSeconds: 14_400 }), INTERVAL),
      ).toMatchObject({ code: 'max-duration', detail: expect.stringContaining('14400') });
    });

    it('lets the new key in after a rotation once the old publisher is gone', () => {
      expect(publishVerdict(facts({ status: 'reconnecting', cutReason: 'key-rotated' }), INTERVAL).ok).toBe(
        true,
      );
    });
  });

  describe('Function: updateVerdict', () => {
    it('accepts the current session of the current worker', () => {
      expect(updateVerdict(facts(), call).ok).toBe(true);
    });

    it('refuses a superseded session or another worker without asking for a new cut', () => {
      const older = updateVerdict(facts({ session: 3 }), call);
      const otherWorker = updateVerdict(facts({ workerId: 'agent-b' }), call);
      expect(older).toMatchObject({ ok: false, code: 'session-superseded' });
      expect(otherWorker).toMatchObject({ ok: false, code: 'session-superseded' });
      expect(older).not.toHaveProperty('cut');
    });

    it('answers a pending cut with its own code', () => {
      for (const reason of [
        'key-rotated',
        'show-cancelled',
        'max-duration',
        'asset-deleted',
        'stream-ended',
      ] as const) {
        expect(updateVerdict(facts({ cutReason: reason }), call)).toMatchObject({ ok: false, code: reason });
      }
    });

    it('decides a new cut when the show is cancelled, the asset gone or the maximum reached', () => {
      expect(updateVerdict(facts({ showCancelled: true }), call)).toMatchObject({
        code: 'show-cancelled',
        cut: 'show-cancelled',
      });
      expect(updateVerdict(facts({ assetGone: true }), call)).toMatchObject({ cut: 'asset-deleted' });
      expect(updateVerdict(facts({ recordedSeconds: 14_400.5 }), call)).toMatchObject({
        cut: 'max-duration',
      });
      expect(updateVerdict(facts({ recordedSeconds: 14_399.9 }), call).ok).toBe(true);
    });

    it('tells the agent of an ended stream to stop', () => {
      expect(updateVerdict(facts({ status: 'ended', finalised: true }), call)).toMatchObject({
        code: 'stream-ended',
      });
    });
  });

  describe('Function: doneOutcome', () => {
    it('waits for a reconnect when the publisher just left', () => {
      expect(doneOutcome(facts(), call)).toEqual({ kind: 'reconnecting' });
      expect(doneOutcome(facts({ status: 'starting' }), call)).toEqual({ kind: 'reconnecting' });
      // A key rotation only cut the old key's publisher.
      expect(doneOutcome(facts({ cutReason: 'key-rotated' }), call)).toEqual({ kind: 'reconnecting' });
    });

    it('ends the stream when a cut says it is over', () => {
      expect(doneOutcome(facts({ cutReason: 'stream-ended' }), call)).toEqual({
        kind: 'end',
        reason: 'ended-by-creator',
      });
      expect(doneOutcome(facts({ cutReason: 'show-cancelled' }), call)).toEqual({
        kind: 'end',
        reason: 'show-cancelled',
      });
      expect(doneOutcome(facts({ recordedSeconds: 20_000 }), call)).toEqual({
        kind: 'end',
        reason: 'max-duration',
      });
      expect(doneOutcome(facts({ assetGone: true }), call)).toEqual({ kind: 'end', reason: 'asset-deleted' });
    });

    it('changes nothing for a stale session, another worker or an ended stream', () => {
      expect(doneOutcome(facts({ session: 3 }), call)).toEqual({ kind: 'stale' });
      expect(doneOutcome(facts({ workerId: null, status: 'reconnecting' }), call)).toEqual({ kind: 'stale' });
      expect(doneOutcome(facts({ status: 'ended', finalised: true }), call)).toEqual({ kind: 'stale' });
    });
  });

  describe('Function: reconnectExpiry', () => {
    const waiting = (overrides: Partial<StreamFacts>) =>
      facts({ status: 'reconnecting', heartbeatAgeMs: 30_000, ...overrides });

    it('keeps waiting inside the window and ends the stream once it has passed', () => {
      expect(reconnectExpiry(waiting({ disconnectedAgeMs: 59_999 }))).toBeUndefined();
      expect(reconnectExpiry(waiting({ disconnectedAgeMs: 60_000 }))).toBe('reconnect-window-expired');
      expect(reconnectExpiry(waiting({ disconnectedAgeMs: 1, reconnectWindowSeconds: 0 }))).toBe(
        'reconnect-window-expired',
      );
    });

    it('does not wait for the window when a cut ended the stream, but does after a key rotation', () => {
      expect(reconnectExpiry(waiting({ disconnectedAgeMs: 1, cutReason: 'max-duration' }))).toBe(
        'max-duration',
      );
      expect(reconnectExpiry(waiting({ disconnectedAgeMs: 1, cutReason: 'key-rotated' }))).toBeUndefined();
    });

    it('leaves streams that are not reconnecting alone', () => {
      expect(reconnectExpiry(facts({ disconnectedAgeMs: 999_999 }))).toBeUndefined();
      expect(reconnectExpiry(waiting({ disconnectedAgeMs: 999_999, finalised: true }))).toBeUndefined();
    });
  });

  describe('Function: endRequestOutcome', () => {
    it('cuts a publisher that is on, and finalises anything else at once', () => {
      expect(endRequestOutcome(facts(), INTERVAL)).toBe('cut');
      expect(endRequestOutcome(facts({ heartbeatAgeMs: SILENT_MS }), INTERVAL)).toBe('finalise');
      expect(endRequestOutcome(facts({ status: 'idle', heartbeatAgeMs: null }), INTERVAL)).toBe('finalise');
      expect(endRequestOutcome(facts({ status: 'reconnecting' }), INTERVAL)).toBe('finalise');
      expect(endRequestOutcome(facts({ status: 'failed', finalised: true }), INTERVAL)).toBe('already-ended');
    });
  });

  describe('Function: isSilent', () => {
    it('counts three update intervals without a heartbeat as gone', () => {
      expect(isSilent(null, INTERVAL)).toBe(true);
      expect(isSilent(SILENT_MS - 1, INTERVAL)).toBe(false);
      expect(isSilent(SILENT_MS, INTERVAL)).toBe(true);
    });
  });
});

describe('Module: stream keys', () => {
  it('issues fcsk_ keys of 32 random bytes, hashed with SHA-256, with a 4-character hint', () => {
    // Act
    const a = issueStreamKey();
    const b = issueStreamKey();

    // Assess
    expect(a.plaintext).toMatch(/^fcsk_[A-Za-z0-9_-]{43}$/);
    expect(isStreamKeyShape(a.plaintext)).toBe(true);
    expect(a.hash).toEqual(hashStreamKey(a.plaintext));
    expect(a.hash).toHaveLength(32);
    expect(a.hint).toBe(a.plaintext.slice(-4));
    expect(b.plaintext).not.toBe(a.plaintext);
  });

  it('rejects anything without a stream key’s shape', () => {
    for (const text of [
      '',
      'fcsk_short',
      `fck_${'a'.repeat(43)}`,
      `fcsk_${'a'.repeat(42)}!`,
      ` fcsk_${'a'.repeat(43)}`,
    ]) {
      expect(isStreamKeyShape(text)).toBe(false);
    }
  });
});

describe('Module: transcode queue messages', () => {
  const assetId = '01JF0000000000000000000000';
  const streamId = '01JF0000000000000000000001';

  it('still parses an upload job written before jobs had a kind', () => {
    // Prepare
    const old = {
      version: 1,
      assetId,
      sourceBucket: 'raw-video',
      sourceKey: `uploads/${assetId}/source`,
      sourceEtag: 'abc',
      sourceBytes: 10,
      enqueuedAt: '2026-12-07T12:00:00.000Z',
    };

    // Act
    const parsed = transcodeQueueMessageSchema.parse(old);

    // Assess
    expect(parsed).toEqual(old);
    expect(parsed.kind).toBeUndefined();
  });

  it('parses a live-recording job and refuses one without its stream or sessions', () => {
    const job = { version: 1, kind: 'live-recording', assetId, streamId, sessions: 2, enqueuedAt: 'now' };
    expect(transcodeQueueMessageSchema.parse(job)).toEqual(job);
    expect(transcodeQueueMessageSchema.safeParse({ ...job, sessions: 0 }).success).toBe(false);
    expect(transcodeQueueMessageSchema.safeParse({ ...job, streamId: undefined }).success).toBe(false);
  });
});
