import { describe, expect, it } from 'vitest';
import { buildMasterPlaylist, masterVariants } from '#functions/vod-package/master-playlist.ts';
import { averageSegmentBitrate, peakSegmentBitrate } from '#functions/vod-package/segment-bitrates.ts';
import type { RenditionFigures } from '#functions/vod-package/verify-renditions.ts';
import { parseMasterPlaylist } from '#shared/video/hls-playlist.ts';
import type { Rendition, TranscodeManifest } from '#shared/video/transcode-manifest.ts';

function rendition(name: string, width: number, height: number, codecs: string): Rendition {
  return {
    name,
    playlist: `${name}/index.m3u8`,
    width,
    height,
    frameRate: 29.97,
    codecs,
    videoBitrate: 1_000_000,
    audioBitrate: 128_000,
  };
}

const manifest: TranscodeManifest = {
  version: 1,
  assetId: '01J00000000000000000000000',
  attempt: 1,
  mode: 'ladder',
  workerId: 'worker-1',
  source: {
    etag: 'e',
    durationSeconds: 10,
    width: 1280,
    height: 720,
    frameRate: 29.97,
    videoCodec: 'h264',
    audioCodec: 'aac',
  },
  segmentSeconds: 4,
  renditions: [
    rendition('720p', 1280, 720, 'avc1.64001f,mp4a.40.2'),
    rendition('360p', 640, 360, 'avc1.64001e,mp4a.40.2'),
  ],
  poster: 'poster.jpg',
  thumbnails: { intervalSeconds: 5, keys: [] },
  files: [{ key: 'poster.jpg', bytes: 1 }],
  completedAt: '2026-01-01T00:00:00Z',
};

function figures(name: string, peakBitrate: number, averageBitrate: number): RenditionFigures {
  return {
    name,
    playlist: `${name}/index.m3u8`,
    segmentCount: 3,
    durationSeconds: 10,
    targetDurationSeconds: 4,
    initBytes: 800,
    mediaBytes: 1,
    boundaries: [4, 8, 10],
    peakBitrate,
    averageBitrate,
  };
}

describe('masterVariants', () => {
  it('takes bandwidths from the measured segments and the rest from the manifest', () => {
    const variants = masterVariants(manifest, [
      figures('360p', 901_234.2, 700_000.01),
      figures('720p', 3_000_000, 2_500_000.5),
    ]);
    expect(variants).toEqual([
      {
        uri: '720p/index.m3u8',
        bandwidth: 3_000_000,
        averageBandwidth: 2_500_001,
        width: 1280,
        height: 720,
        codecs: 'avc1.64001f,mp4a.40.2',
        frameRate: 29.97,
      },
      {
        uri: '360p/index.m3u8',
        bandwidth: 901_235,
        averageBandwidth: 700_001,
        width: 640,
        height: 360,
        codecs: 'avc1.64001e,mp4a.40.2',
        frameRate: 29.97,
      },
    ]);
  });

  it('refuses a rendition that was not measured', () => {
    expect(() => masterVariants(manifest, [figures('720p', 1, 1)])).toThrow(/rendition 360p/);
  });
});

describe('buildMasterPlaylist', () => {
  it('writes a master a parser reads back, lowest bandwidth first, URIs relative to the attempt folder', () => {
    const text = buildMasterPlaylist(manifest, [
      figures('720p', 3_000_000, 2_500_000),
      figures('360p', 900_000, 700_000),
    ]);
    const master = parseMasterPlaylist(text);
    expect(
      master.variants.map((variant) => [variant.uri, variant.bandwidth, variant.averageBandwidth]),
    ).toEqual([
      ['360p/index.m3u8', 900_000, 700_000],
      ['720p/index.m3u8', 3_000_000, 2_500_000],
    ]);
    expect(master.variants[1]?.resolution).toEqual({ width: 1280, height: 720 });
    expect(master.variants[1]?.frameRate).toBe(29.97);
    expect(text).toContain('FRAME-RATE=29.970');
  });
});

describe('segment bit rates', () => {
  it('takes the peak over runs of 0.5 to 1.5 target durations, not over single short segments', () => {
    // A 0.4 s tail segment of 100 kB alone would be 2 Mbit/s; it is too short to be a run by itself
    // (target 4 s: runs last 2–6 s), so it only counts together with its neighbour.
    const segments = [
      { duration: 4, bytes: 500_000 },
      { duration: 4, bytes: 400_000 },
      { duration: 0.4, bytes: 100_000 },
    ];
    expect(peakSegmentBitrate(segments, 4)).toBeCloseTo(1_000_000, 6);
    expect(averageSegmentBitrate(segments)).toBeCloseTo((1_000_000 * 8) / 8.4, 6);
  });

  it('lets two short segments that together make a run raise the peak', () => {
    const segments = [
      { duration: 1, bytes: 200_000 },
      { duration: 1, bytes: 300_000 },
      { duration: 4, bytes: 400_000 },
    ];
    // Runs: [0..1] 2 s → 2 Mbit/s, [1..1] too short, [1..2] 5 s → 1.12 Mbit/s, [2..2] 0.8 Mbit/s, [0..2] 6 s → 1.2 Mbit/s.
    expect(peakSegmentBitrate(segments, 4)).toBeCloseTo(2_000_000, 6);
  });

  it('falls back to the whole playlist when it is shorter than half a target duration', () => {
    expect(peakSegmentBitrate([{ duration: 0.5, bytes: 1000 }], 4)).toBe(16_000);
  });
});
