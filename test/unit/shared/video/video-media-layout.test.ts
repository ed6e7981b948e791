import { describe, expect, it } from 'vitest';
import {
  assetIdFromRawKey,
  attemptPrefix,
  completionManifestKey,
  isSafeRelativeKey,
  parseCompletionManifestKey,
  rawVideoKey,
} from '#shared/video/media-layout.ts';
import { retryDelay } from '../../../../workers/transcoder/job-runner.ts';
import { estimateRemainingMs } from '../../../../workers/transcoder/worker-loop.ts';

const ID = '01JDA2V7M5Q8X3K9ZB4N6T1RCE';

describe('Module: media-layout', () => {
  it('round-trips the raw upload key and refuses anything else', () => {
    // Act / Assess
    expect(assetIdFromRawKey(rawVideoKey(ID))).toBe(ID);
    expect(assetIdFromRawKey(`uploads/${ID}/source.mp4`)).toBeUndefined();
    expect(assetIdFromRawKey(`uploads/${ID.toLowerCase()}/source`)).toBeUndefined();
    expect(assetIdFromRawKey('uploads/../source')).toBeUndefined();
  });

  it('names completion manifests per attempt and parses only those', () => {
    // Act / Assess
    expect(completionManifestKey(ID, 3)).toBe(`videos/${ID}/v3/transcode.json`);
    expect(parseCompletionManifestKey(`videos/${ID}/v3/transcode.json`)).toEqual({ assetId: ID, attempt: 3 });
    expect(parseCompletionManifestKey(`videos/${ID}/v0/transcode.json`)).toBeUndefined();
    expect(parseCompletionManifestKey(`videos/${ID}/v3/720p/transcode.json`)).toBeUndefined();
    expect(parseCompletionManifestKey(`videos/${ID}/v3/master.m3u8`)).toBeUndefined();
    expect(() => attemptPrefix(ID, 0)).toThrow(RangeError);
  });

  it('accepts only plain relative names inside an attempt folder', () => {
    // Act / Assess
    expect(isSafeRelativeKey('720p/seg-00001.m4s')).toBe(true);
    for (const key of ['', '/abs', '../x', 'a/../b', 'a//b', 'a/./b', 'a\\b', 'http://x/y', 'a b', 'é']) {
      expect(isSafeRelativeKey(key), key).toBe(false);
    }
  });
});

describe('Function: retryDelay', () => {
  it('doubles per delivery from the base and caps at 15 minutes', () => {
    // Act / Assess
    expect([1, 2, 3, 4].map((n) => retryDelay(15, n))).toEqual([15, 30, 60, 120]);
    expect(retryDelay(15, 20)).toBe(900);
    expect(retryDelay(0, 5)).toBe(0);
  });
});

describe('Function: estimateRemainingMs', () => {
  it('extrapolates from progress so far, unknown progress counting as far from done', () => {
    // Act / Assess
    expect(estimateRemainingMs(25, 10_000)).toBe(30_000);
    expect(estimateRemainingMs(100, 10_000)).toBe(0);
    expect(estimateRemainingMs(0, 10_000)).toBe(Number.POSITIVE_INFINITY);
  });
});
