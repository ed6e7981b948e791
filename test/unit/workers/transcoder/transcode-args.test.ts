import { describe, expect, it } from 'vitest';
import { ladderArgs, posterArgs, remuxArgs } from '../../../../workers/transcoder/media/ffmpeg-args.ts';
import {
  type LadderPlan,
  planTranscode,
  type RemuxPlan,
} from '../../../../workers/transcoder/media/ladder.ts';
import type { SourceInfo } from '../../../../workers/transcoder/media/probe.ts';

const SOURCE = '/data/in put/source';

function info(overrides: Partial<SourceInfo> = {}): SourceInfo {
  return {
    videoStreamIndex: 0,
    durationSeconds: 20,
    width: 1920,
    height: 1080,
    rotation: 0,
    squarePixels: true,
    interlaced: false,
    frameRate: 30,
    frameRateRational: '30/1',
    videoCodec: 'vp9',
    pixelFormat: 'yuv420p',
    profile: null,
    videoBitRate: null,
    audio: { streamIndex: 1, codec: 'opus', profile: null, channels: 2, sampleRate: 48_000, bitRate: null },
    bitRate: null,
    formatName: 'matroska,webm',
    keyframeGapSeconds: null,
    ...overrides,
  };
}

const ladderPlan = (overrides: Partial<SourceInfo> = {}) => planTranscode(info(overrides)) as LadderPlan;

/** The value following `flag`; fails the test when the flag is absent. */
function flagValue(args: readonly string[], flag: string, from = 0): string {
  const at = args.indexOf(flag, from);
  expect(at, `${flag} in ${args.join(' ')}`).toBeGreaterThanOrEqual(0);
  return args[at + 1] as string;
}

describe('ladderArgs', () => {
  it('decodes once and cascades the scalers, each rung from the one above, thumbnails from the last', () => {
    const args = ladderArgs(ladderPlan(), SOURCE);
    expect(args.filter((arg) => arg === '-i')).toHaveLength(1);
    expect(flagValue(args, '-i')).toBe(SOURCE);
    const graph = flagValue(args, '-filter_complex');
    expect(graph.split(';')).toEqual([
      '[0:0]fps=30/1,format=yuv420p,scale=1920:1080,setsar=1,split=3[v0][next0][posterframe]',
      '[next0]scale=1280:720,setsar=1,split=2[v1][next1]',
      '[next1]scale=854:480,setsar=1,split=2[v2][next2]',
      '[next2]scale=640:360,setsar=1,split=2[v3][next3]',
      '[next3]fps=1/2:eof_action=pass,scale=320:-2,setsar=1[thumbs]',
      '[posterframe]trim=start_frame=60:end_frame=61,scale=1280:720,setsar=1[poster]',
    ]);
  });

  it('takes the poster frame at a tenth of the way in, at most 1280 wide, also for portrait', () => {
    const portrait = flagValue(
      ladderArgs(ladderPlan({ width: 720, height: 1280 }), SOURCE),
      '-filter_complex',
    );
    expect(portrait.split(';').at(-1)).toBe(
      '[posterframe]trim=start_frame=60:end_frame=61,scale=720:1280,setsar=1[poster]',
    );
    const args = ladderArgs(ladderPlan({ durationSeconds: 7 }), SOURCE);
    expect(flagValue(args, '-filter_complex')).toContain('trim=start_frame=21:end_frame=22,');
    expect(args.slice(-9)).toEqual([
      '-map',
      '[poster]',
      '-frames:v',
      '1',
      '-q:v',
      '3',
      '-update',
      '1',
      'poster.jpg',
    ]);
  });

  it('gives every rung the same fixed GOP without scene-cut keyframes', () => {
    const args = ladderArgs(ladderPlan(), SOURCE);
    expect(flagValue(args, '-c:v')).toBe('libx264');
    expect(flagValue(args, '-preset')).toBe('veryfast');
    expect(flagValue(args, '-g')).toBe('120');
    expect(flagValue(args, '-keyint_min')).toBe('120');
    expect(flagValue(args, '-sc_threshold')).toBe('0');
  });

  it('sets each rung its bitrates and maps a copy of the audio to each', () => {
    const plan = ladderPlan();
    const args = ladderArgs(plan, SOURCE);
    plan.rungs.forEach((rung, i) => {
      expect(flagValue(args, `-b:v:${i}`)).toBe(String(rung.videoBitrate));
      expect(flagValue(args, `-maxrate:v:${i}`)).toBe(String(rung.maxrate));
      expect(flagValue(args, `-bufsize:v:${i}`)).toBe(String(rung.bufsize));
      expect(flagValue(args, `-b:a:${i}`)).toBe(String(rung.audioBitrate));
    });
    const maps = args.flatMap((arg, i) => (arg === '-map' ? [args[i + 1]] : []));
    expect(maps).toEqual([
      '[v0]',
      '0:1',
      '[v1]',
      '0:1',
      '[v2]',
      '0:1',
      '[v3]',
      '0:1',
      '[thumbs]',
      '[poster]',
    ]);
    expect(flagValue(args, '-c:a')).toBe('aac');
  });

  it('writes fMP4 HLS in the media layout, variants named after their rungs', () => {
    const args = ladderArgs(ladderPlan(), SOURCE);
    expect(flagValue(args, '-f')).toBe('hls');
    expect(flagValue(args, '-hls_time')).toBe('4');
    expect(flagValue(args, '-hls_playlist_type')).toBe('vod');
    expect(flagValue(args, '-hls_segment_type')).toBe('fmp4');
    expect(flagValue(args, '-start_number')).toBe('1');
    expect(flagValue(args, '-hls_segment_filename')).toBe('%v/seg-%05d.m4s');
    expect(flagValue(args, '-hls_fmp4_init_filename')).toBe('init_%v.mp4');
    expect(flagValue(args, '-var_stream_map')).toBe(
      'v:0,a:0,name:1080p v:1,a:1,name:720p v:2,a:2,name:480p v:3,a:3,name:360p',
    );
    expect(args[args.indexOf('-var_stream_map') + 2]).toBe('%v/index.m3u8');
    const playlistAt = args.indexOf('%v/index.m3u8');
    expect(args.slice(playlistAt, playlistAt + 8)).toEqual([
      '%v/index.m3u8',
      '-map',
      '[thumbs]',
      '-q:v',
      '5',
      '-f',
      'image2',
      'thumbs/%04d.jpg',
    ]);
  });

  it('reports progress on stdout and CPU time on exit, without reading stdin', () => {
    const args = ladderArgs(ladderPlan(), SOURCE);
    expect(flagValue(args, '-progress')).toBe('pipe:1');
    expect(args).toContain('-nostdin');
    expect(args).toContain('-benchmark');
    expect(flagValue(args, '-loglevel')).toBe('level+info');
  });

  it('leaves audio out for a silent source', () => {
    const args = ladderArgs(ladderPlan({ audio: null }), SOURCE);
    expect(args).not.toContain('0:1');
    expect(args).not.toContain('-c:a');
    expect(flagValue(args, '-var_stream_map')).toBe(
      'v:0,name:1080p v:1,name:720p v:2,name:480p v:3,name:360p',
    );
  });

  it('can leave thumbnails and poster out and names a lone variant init.mp4', () => {
    const args = ladderArgs(ladderPlan({ width: 320, height: 180 }), SOURCE, {
      thumbnails: false,
      poster: false,
    });
    expect(flagValue(args, '-filter_complex')).toBe(
      '[0:0]fps=30/1,format=yuv420p,scale=320:180,setsar=1[v0]',
    );
    expect(args).not.toContain('[thumbs]');
    expect(args).not.toContain('poster.jpg');
    expect(flagValue(args, '-hls_fmp4_init_filename')).toBe('init.mp4');
    expect(args.at(-1)).toBe('%v/index.m3u8');
  });

  it('names the streams the probe chose by absolute index (cover art may come first)', () => {
    const plan = ladderPlan({
      videoStreamIndex: 2,
      audio: { streamIndex: 0, codec: 'aac', profile: 'LC', channels: 2, sampleRate: 48_000, bitRate: null },
    });
    const args = ladderArgs(plan, SOURCE);
    expect(flagValue(args, '-filter_complex').startsWith('[0:2]fps=')).toBe(true);
    expect(flagValue(args, '-map', args.indexOf('[v0]'))).toBe('0:0');
    expect(flagValue(posterArgs(plan, SOURCE), '-map')).toBe('0:2');
  });

  it('deinterlaces before the frame rate is fixed', () => {
    const graph = flagValue(ladderArgs(ladderPlan({ interlaced: true }), SOURCE), '-filter_complex');
    expect(graph.startsWith('[0:0]bwdif=mode=send_frame,fps=30/1,')).toBe(true);
  });
});

describe('remuxArgs', () => {
  const plan = planTranscode(info({ videoCodec: 'h264', audio: null, keyframeGapSeconds: 2 })) as RemuxPlan;

  it('copies the streams into a single rendition named source', () => {
    expect(plan.mode).toBe('remux');
    const args = remuxArgs(plan, SOURCE);
    expect(flagValue(args, '-c')).toBe('copy');
    expect(args).not.toContain('libx264');
    expect(args).not.toContain('-var_stream_map');
    expect(flagValue(args, '-hls_segment_filename')).toBe('source/seg-%05d.m4s');
    expect(flagValue(args, '-hls_fmp4_init_filename')).toBe('init.mp4');
    expect(args).toContain('source/index.m3u8');
    expect(args).not.toContain('0:1');
  });

  it('decodes only keyframes, for the thumbnails', () => {
    const args = remuxArgs(plan, SOURCE);
    expect(args.indexOf('-skip_frame')).toBeLessThan(args.indexOf('-i'));
    expect(flagValue(args, '-skip_frame')).toBe('nokey');
    expect(args.at(-1)).toBe('thumbs/%04d.jpg');
    expect(remuxArgs(plan, SOURCE, { thumbnails: false })).not.toContain('-skip_frame');
  });
});

describe('posterArgs', () => {
  it('seeks to a tenth of the way in and writes one frame at most 1280 wide', () => {
    const args = posterArgs(ladderPlan(), SOURCE);
    expect(args.indexOf('-ss')).toBeLessThan(args.indexOf('-i'));
    expect(flagValue(args, '-ss')).toBe('2.000');
    expect(flagValue(args, '-frames:v')).toBe('1');
    expect(flagValue(args, '-vf')).toBe("scale='min(1280,iw)':-2,setsar=1");
    expect(args.at(-1)).toBe('poster.jpg');
  });
});
