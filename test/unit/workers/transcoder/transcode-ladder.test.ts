import { describe, expect, it } from 'vitest';
import {
  type LadderPlan,
  planTranscode,
  type RemuxPlan,
} from '../../../../workers/transcoder/media/ladder.ts';
import type { SourceInfo } from '../../../../workers/transcoder/media/probe.ts';

function source(overrides: Partial<SourceInfo> = {}): SourceInfo {
  return {
    videoStreamIndex: 0,
    durationSeconds: 30,
    width: 1920,
    height: 1080,
    rotation: 0,
    squarePixels: true,
    interlaced: false,
    frameRate: 30,
    frameRateRational: '30/1',
    videoCodec: 'mpeg4',
    pixelFormat: 'yuv420p',
    profile: null,
    videoBitRate: 6_000_000,
    audio: { streamIndex: 1, codec: 'aac', profile: 'LC', channels: 2, sampleRate: 48_000, bitRate: 128_000 },
    bitRate: 6_200_000,
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    keyframeGapSeconds: null,
    ...overrides,
  };
}

/** A source that qualifies for packaging without re-encoding. */
const remuxable = (overrides: Partial<SourceInfo> = {}) =>
  source({ videoCodec: 'h264', width: 1280, height: 720, keyframeGapSeconds: 4, ...overrides });

function ladder(info: SourceInfo, options = {}): LadderPlan {
  const plan = planTranscode(info, options);
  if (plan.mode !== 'ladder') throw new Error(`expected a ladder, got ${plan.decision}`);
  return plan;
}

const sizes = (plan: LadderPlan) => plan.rungs.map((rung) => `${rung.name} ${rung.width}x${rung.height}`);

describe('planTranscode: ladder rungs', () => {
  it('gives a 1080p source all four rungs at 16:9 sizes', () => {
    const plan = ladder(source());
    expect(sizes(plan)).toEqual(['1080p 1920x1080', '720p 1280x720', '480p 854x480', '360p 640x360']);
  });

  it('never upscales: a 720p source gets no 1080p rung', () => {
    expect(sizes(ladder(source({ width: 1280, height: 720 })))).toEqual([
      '720p 1280x720',
      '480p 854x480',
      '360p 640x360',
    ]);
  });

  it('a source between rungs starts at the rung below it', () => {
    expect(sizes(ladder(source({ width: 1778, height: 1000 })))).toEqual([
      '720p 1280x720',
      '480p 854x480',
      '360p 640x360',
    ]);
  });

  it('sizes portrait sources by their short side', () => {
    expect(sizes(ladder(source({ width: 1080, height: 1920 })))).toEqual([
      '1080p 1080x1920',
      '720p 720x1280',
      '480p 480x854',
      '360p 360x640',
    ]);
  });

  it('keeps a 4K source to the 1080p top rung', () => {
    const plan = ladder(source({ width: 3840, height: 2160, videoCodec: 'h264', keyframeGapSeconds: 2 }));
    expect(plan.decision).toContain('larger than 1080p');
    expect(plan.rungs[0]).toMatchObject({ name: '1080p', width: 1920, height: 1080 });
  });

  it('gives a source below 360 one rung at its own size', () => {
    expect(sizes(ladder(source({ width: 322, height: 182 })))).toEqual(['182p 322x182']);
  });

  it('makes odd sizes even, rounding down rather than upscaling', () => {
    expect(sizes(ladder(source({ width: 321, height: 181 })))).toEqual(['180p 320x180']);
    const odd = ladder(source({ width: 1001, height: 1003 }));
    for (const rung of odd.rungs) {
      expect(rung.width % 2, rung.name).toBe(0);
      expect(rung.height % 2, rung.name).toBe(0);
      expect(rung.width).toBeLessThanOrEqual(1001);
      expect(rung.height).toBeLessThanOrEqual(1003);
    }
    expect(sizes(odd)).toEqual(['720p 720x722', '480p 480x480', '360p 360x360']);
  });

  it('keeps a tiny source playable with a floor on its bitrate', () => {
    const [only] = ladder(source({ width: 64, height: 36 })).rungs;
    expect(only).toMatchObject({ name: '36p', width: 64, height: 36, videoBitrate: 150_000 });
  });

  it('caps each rung with maxrate just above the target and a 1.5x buffer', () => {
    for (const rung of ladder(source()).rungs) {
      expect(rung.maxrate).toBe(Math.round(rung.videoBitrate * 1.07));
      expect(rung.bufsize).toBe(Math.round(rung.videoBitrate * 1.5));
    }
    const targets = ladder(source()).rungs.map((rung) => rung.videoBitrate);
    expect(targets).toEqual([...targets].sort((a, b) => b - a));
    expect(new Set(targets).size).toBe(4);
  });

  it('raises bitrates by half above 30 fps', () => {
    const at30 = ladder(source()).rungs[0];
    const at60 = ladder(source({ frameRate: 60, frameRateRational: '60/1' })).rungs[0];
    expect(at60?.videoBitrate).toBe(Math.round((at30?.videoBitrate ?? 0) * 1.5));
  });
});

describe('planTranscode: frame rate and GOP', () => {
  it('fixes the GOP at one segment of frames, the same for every rung', () => {
    expect(ladder(source()).gopFrames).toBe(120);
    expect(ladder(source({ frameRate: 25, frameRateRational: '25/1' })).gopFrames).toBe(100);
    expect(ladder(source({ frameRate: 30000 / 1001, frameRateRational: '30000/1001' })).gopFrames).toBe(120);
    expect(ladder(source({ frameRate: 24000 / 1001, frameRateRational: '24000/1001' })).gopFrames).toBe(96);
    expect(ladder(source(), { segmentSeconds: 2 }).gopFrames).toBe(60);
  });

  it('divides frame rates above 60 by a whole factor', () => {
    const plan = ladder(source({ frameRate: 120, frameRateRational: '120/1' }));
    expect(plan.frameRate).toBe(60);
    expect(plan.frameRateRational).toBe('120/2');
    expect(plan.gopFrames).toBe(240);
    expect(ladder(source({ frameRate: 100, frameRateRational: '100/1' })).frameRateRational).toBe('100/2');
    const ntsc60 = ladder(source({ frameRate: 60000 / 1001, frameRateRational: '60000/1001' }));
    expect(ntsc60.frameRateRational).toBe('60000/1001');
  });

  it('places the poster at a tenth of the duration and spaces thumbnails to about a hundred', () => {
    const short = planTranscode(source({ durationSeconds: 5 }));
    expect(short.poster).toEqual({ atSeconds: 0.5, maxWidth: 1280 });
    expect(short.thumbnailIntervalSeconds).toBe(2);
    expect(planTranscode(source({ durationSeconds: 1000 })).thumbnailIntervalSeconds).toBe(10);
    expect(planTranscode(source(), { thumbnailIntervalSeconds: 7 }).thumbnailIntervalSeconds).toBe(7);
  });

  it('deinterlaces interlaced sources', () => {
    expect(ladder(source({ interlaced: true })).deinterlace).toBe(true);
    expect(ladder(source()).deinterlace).toBe(false);
  });
});

describe('planTranscode: remux decision', () => {
  it('packages an H.264/AAC source within the top rung as it is', () => {
    const plan = planTranscode(remuxable()) as RemuxPlan;
    expect(plan.mode).toBe('remux');
    expect(plan.rendition).toEqual({
      name: 'source',
      width: 1280,
      height: 720,
      frameRate: 30,
      videoBitrate: 6_000_000,
      audioBitrate: 128_000,
    });
    expect(plan.hasAudio).toBe(true);
  });

  it('remuxes a silent H.264 source and a 1080p one', () => {
    const silent = planTranscode(remuxable({ audio: null }));
    expect(silent.mode).toBe('remux');
    expect(silent.hasAudio).toBe(false);
    expect(planTranscode(remuxable({ width: 1920, height: 1080 })).mode).toBe('remux');
    expect(planTranscode(remuxable({ width: 1080, height: 1920 })).mode).toBe('remux');
  });

  it('accepts keyframes up to two segments apart, not more', () => {
    expect(planTranscode(remuxable({ keyframeGapSeconds: 8 })).mode).toBe('remux');
    expect(planTranscode(remuxable({ keyframeGapSeconds: 8.5 })).mode).toBe('ladder');
    expect(planTranscode(remuxable({ keyframeGapSeconds: 5 }), { segmentSeconds: 2 }).mode).toBe('ladder');
  });

  const blockers: Array<[string, Partial<SourceInfo>, string]> = [
    ['VP9', { videoCodec: 'vp9' }, 'video is vp9, not H.264'],
    ['10-bit', { pixelFormat: 'yuv420p10le' }, 'pixel format is yuv420p10le'],
    ['4:2:2', { pixelFormat: 'yuv422p' }, 'pixel format is yuv422p'],
    [
      'MP3 audio',
      {
        audio: {
          streamIndex: 1,
          codec: 'mp3',
          profile: null,
          channels: 2,
          sampleRate: 44_100,
          bitRate: 128_000,
        },
      },
      'audio is mp3',
    ],
    ['above 1080p', { width: 2560, height: 1440 }, 'larger than 1080p'],
    ['above 60 fps', { frameRate: 120, frameRateRational: '120/1' }, '120 fps'],
    ['unmeasured keyframes', { keyframeGapSeconds: null }, 'keyframes not measured'],
    ['sparse keyframes', { keyframeGapSeconds: 10 }, 'keyframes up to 10 s apart'],
    ['rotation', { rotation: 90 }, 'rotated'],
    ['anamorphic', { squarePixels: false }, 'non-square pixels'],
    ['interlaced', { interlaced: true }, 'interlaced'],
  ];
  it.each(blockers)('re-encodes a source with %s', (_label, overrides, reason) => {
    const plan = planTranscode(remuxable(overrides));
    expect(plan.mode).toBe('ladder');
    expect(plan.decision).toContain(reason);
  });

  it('re-encodes when remux is switched off', () => {
    const plan = planTranscode(remuxable(), { allowRemux: false });
    expect(plan.mode).toBe('ladder');
    expect(plan.decision).toBe('ladder: remux not allowed');
  });
});
