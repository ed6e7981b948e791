/** Why a source is refused. Stable codes: the asset's failure shows them to the creator. */
export type SourceRejection =
  | 'not_a_video'
  | 'no_video_stream'
  | 'too_long'
  | 'too_large_frame'
  | 'zero_duration'
  /** A live stream's recording has no usable segment in any session. */
  | 'no_recording';

/**
 * The source is not a video we can transcode. Permanent: running the same bytes again gives the
 * same answer, so the job loop fails the asset instead of retrying.
 */
export class SourceRejectedError extends Error {
  readonly code: SourceRejection;
  readonly permanent = true;

  constructor(code: SourceRejection, reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'SourceRejectedError';
    this.code = code;
  }
}

/** ffmpeg or ffprobe ended unsuccessfully. Transient unless the caller knows better. */
export class FfmpegFailedError extends Error {
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderrTail: readonly string[];

  constructor(
    command: string,
    outcome: { exitCode: number | null; signal: NodeJS.Signals | null; stderrTail: readonly string[] },
    options?: { cause?: unknown; reason?: string },
  ) {
    const ending = outcome.signal ? `was killed by ${outcome.signal}` : `exited with ${outcome.exitCode}`;
    const last = outcome.stderrTail.at(-1);
    super(`${command} ${options?.reason ?? ending}${last ? `: ${last}` : ''}`, options);
    this.name = 'FfmpegFailedError';
    this.command = command;
    this.exitCode = outcome.exitCode;
    this.signal = outcome.signal;
    this.stderrTail = outcome.stderrTail;
  }
}

/**
 * ffmpeg finished but what it wrote does not hold up (too short, a missing rung, a playlist naming
 * a file that is not there). Transient: a retry may succeed; repeated failures end in the
 * dead-letter queue with this message.
 */
export class TranscodeOutputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TranscodeOutputError';
  }
}
