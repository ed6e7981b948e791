import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { EndReason, Rendition } from './control-plane.ts';
import { eachLine, spawnGuarded } from './processes.ts';

export type { EndReason } from './control-plane.ts';

/** What the ladder's ffmpeg reads: the renamed RTMP stream, or an SDP file of RTP on local UDP ports (WHIP). */
export type LadderInput =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'sdp'; readonly sdpPath: string };

/**
 * One publish as the receiver that feeds it sees it (see /tmp/team/whip-port.md). The agent owns the
 * ladder, the uploads, the heartbeat and the `done` call; the receiver only feeds media and says when
 * the publisher left.
 */
export interface PublishHandle {
  readonly streamId: string;
  readonly session: number;
  /** pid of the ladder's ffmpeg (running when the handle is returned). */
  readonly ladderPid: number | undefined;
  /** Aborted (reason: the EndReason) when the agent ends the publish: a cut, a drain, a dead ladder. */
  readonly cut: AbortSignal;
  /** The receiver ends the publish; idempotent; resolves when the last segments and `done` are out. */
  stop(reason: 'publisher-left' | 'error'): Promise<void>;
  /** Settles once the publish is fully finished, whoever ended it. */
  readonly finished: Promise<EndReason>;
}

export interface LadderPlan {
  readonly input: LadderInput;
  readonly ladder: readonly Rendition[];
  readonly audioBitrate: number;
  readonly segmentSeconds: number;
  /** Folder holding one sub-folder per rendition (ffmpeg's own playlist, init.mp4, seg-NNNNNN.m4s). */
  readonly outputDir: string;
  readonly preset: string;
  /** x264 options over the preset (`key=value:…`); none when empty or absent. */
  readonly x264Params?: string;
}

/**
 * Diamond motion search and sub-pixel level 1 over veryfast (what superfast does, keeping
 * veryfast's partitions and weighted prediction): measured ~30 % less encoder CPU for 0.06 dB
 * PSNR / 0.0002 SSIM at 720p 2.8 Mb/s (docs/live.md). Live cannot buy quality back with lookahead anyway.
 */
export const DEFAULT_LIVE_X264_PARAMS = 'me=dia:subme=1';

/** x264 threading per rendition: two sliced threads (see ladderArgs, docs/live.md). */
export const ENCODER_THREADS = ['-threads', '2', '-thread_type', 'slice'] as const;

function inputArgs(input: LadderInput): string[] {
  const common = ['-fflags', '+genpts+nobuffer', '-probesize', '1000000', '-analyzeduration', '1000000'];
  // (-copyts would keep the publisher's timestamps but costs ~1 s of latency in ffmpeg 5.1; the
  // input's start time, read from ffmpeg's `Duration: …, start:` line, dates the segments instead.)
  if (input.kind === 'url') return [...common, '-rtmp_live', 'live', '-rtmp_buffer', '100', '-i', input.url];
  return [
    ...common,
    '-protocol_whitelist',
    'file,udp,rtp',
    '-reorder_queue_size',
    '500',
    '-i',
    input.sdpPath,
  ];
}

/**
 * One ffmpeg per stream: one decode, `split` into every rendition, x264 (zerolatency, a keyframe
 * every segment and none elsewhere: forced by time so the GOP is one segment at whatever frame rate
 * the publisher sends, scene cuts off), AAC muxed into each rendition, 1 s fMP4 HLS per rendition.
 */
export function ladderArgs(plan: LadderPlan): string[] {
  const scaleTo = (r: Rendition) =>
    `scale=w=${r.width}:h=${r.height}:force_original_aspect_ratio=decrease:force_divisible_by=2`;
  // Decode once, scale once to the largest rendition, split, and scale the smaller ones from that
  // picture: scaling three times from 1080p kept ffmpeg's single filter thread from real time on a
  // busy 2-core machine (segments fell seconds behind); from 720p it holds ~0.2 s.
  const largest = plan.ladder.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
  const others = plan.ladder.filter((r) => r !== largest);
  const labels = plan.ladder.map((r, i) => (r === largest ? `[v${i}]` : `[c${i}]`)).join('');
  // RTP carries no frame rate: ffmpeg 5.1 takes the 90 kHz clock for one and would duplicate
  // frames by the thousand, so an SDP input is made constant 30 fps first.
  const rate = plan.input.kind === 'sdp' ? 'fps=30,' : '';
  const graph = [
    `[0:v:0]${rate}${scaleTo(largest)},format=yuv420p,split=${plan.ladder.length}${labels}`,
    ...others.map((r) => {
      const i = plan.ladder.indexOf(r);
      return `[c${i}]${scaleTo(r)}[v${i}]`;
    }),
  ].join(';');
  const args = [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'level+info',
    ...inputArgs(plan.input),
    '-filter_complex',
    graph,
  ];
  // A keyframe every segment, counted from the last one (timestamps need not start at 0).
  const gop = `expr:if(isnan(prev_forced_t),1,gte(t-prev_forced_t,${plan.segmentSeconds - 0.001}))`;
  plan.ladder.forEach((r, i) => {
    const dir = join(plan.outputDir, r.name);
    const kbps = Math.round(r.videoBitrate / 1000);
    args.push(
      '-map',
      `[v${i}]`,
      '-map',
      '0:a:0?',
      '-c:v',
      'libx264',
      '-preset',
      plan.preset,
      '-tune',
      'zerolatency',
      ...(plan.x264Params ? ['-x264-params', plan.x264Params] : []),
      // Two sliced threads per encoder (zerolatency's kind: no added delay). Not one thread: then
      // x264 encodes on ffmpeg 5.1's main thread, which carries all three encodes and the scalers
      // (0.40 core-s per media second on one thread, the first to fall behind real time on a busy
      // or slower core); with two slices the busiest thread needs 0.12–0.14 for 1–6.5 % more
      // total CPU (docs/live.md, "Ladder cost").
      ...ENCODER_THREADS,
      '-profile:v',
      'high',
      '-b:v',
      `${kbps}k`,
      '-maxrate',
      `${kbps}k`,
      '-bufsize',
      `${kbps * 2}k`,
      '-g',
      '100000',
      '-sc_threshold',
      '0',
      '-force_key_frames',
      gop,
      '-c:a',
      'aac',
      '-b:a',
      `${Math.round(plan.audioBitrate / 1000)}k`,
      '-ac',
      '2',
      '-ar',
      '48000',
      '-f',
      'hls',
      '-hls_time',
      String(plan.segmentSeconds),
      '-hls_list_size',
      '30',
      '-hls_segment_type',
      'fmp4',
      '-hls_fmp4_init_filename',
      'init.mp4',
      '-hls_flags',
      'independent_segments+program_date_time+temp_file',
      '-start_number',
      '1',
      '-hls_segment_filename',
      join(dir, 'seg-%06d.m4s'),
      join(dir, 'index.m3u8'),
    );
  });
  return args;
}

export interface RunningLadder {
  readonly child: ChildProcess;
  /** The last warning/error lines ffmpeg printed (they name no key: the input is a derived name). */
  readonly stderrTail: string[];
  /** The input's first timestamp (seconds, the publisher's clock for RTMP), once ffmpeg printed it. */
  inputStartSeconds: number | undefined;
}

export function startLadderProcess(ffmpeg: string, plan: LadderPlan): RunningLadder {
  const child = spawnGuarded(ffmpeg, ladderArgs(plan), { parentDeathSignal: 'SIGKILL' });
  const running: RunningLadder = { child, stderrTail: [], inputStartSeconds: undefined };
  eachLine(child.stderr, (line) => {
    const start = /Duration: .*, start: (-?[\d.]+)/.exec(line);
    if (start && running.inputStartSeconds === undefined) running.inputStartSeconds = Number(start[1]);
    if (/\[(info|verbose)\] /.test(line)) return;
    running.stderrTail.push(line.slice(0, 400));
    if (running.stderrTail.length > 20) running.stderrTail.shift();
  });
  child.stdout?.resume();
  return running;
}
