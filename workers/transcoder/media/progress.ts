/** One `-progress` block from ffmpeg, reduced to what a job reports. */
export interface FfmpegProgress {
  /** Media time written so far, in seconds. */
  readonly outTimeSeconds: number;
  /** 0–100 against the expected duration; null when the duration is unknown. */
  readonly percent: number | null;
  /** Encoding speed as a multiple of realtime, when ffmpeg knows it. */
  readonly speed: number | null;
  /** True for the last block (`progress=end`). */
  readonly done: boolean;
}

/**
 * Turns ffmpeg's `-progress pipe:1` output (key=value lines, each block closed by a `progress=`
 * line) into progress events. Chunks may split lines anywhere.
 */
export class ProgressParser {
  readonly #durationSeconds: number | null;
  readonly #onProgress: (progress: FfmpegProgress) => void;
  #partial = '';
  #block = new Map<string, string>();

  constructor(durationSeconds: number | null, onProgress: (progress: FfmpegProgress) => void) {
    this.#durationSeconds = durationSeconds !== null && durationSeconds > 0 ? durationSeconds : null;
    this.#onProgress = onProgress;
  }

  push(chunk: string): void {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.#line(line.trim());
  }

  #line(line: string): void {
    const equals = line.indexOf('=');
    if (equals <= 0) return;
    const key = line.slice(0, equals);
    const value = line.slice(equals + 1).trim();
    if (key !== 'progress') {
      this.#block.set(key, value);
      return;
    }
    const block = this.#block;
    this.#block = new Map();
    const outTimeSeconds = outTimeOf(block);
    if (outTimeSeconds === null) return;
    const speed = Number.parseFloat(block.get('speed') ?? '');
    this.#onProgress({
      outTimeSeconds,
      percent:
        this.#durationSeconds === null
          ? null
          : Math.min(100, Math.max(0, (outTimeSeconds / this.#durationSeconds) * 100)),
      speed: Number.isFinite(speed) ? speed : null,
      done: value === 'end',
    });
  }
}

// `out_time_ms` is microseconds too (a long-standing ffmpeg misnomer); `out_time_us` is preferred.
function outTimeOf(block: ReadonlyMap<string, string>): number | null {
  for (const key of ['out_time_us', 'out_time_ms']) {
    const raw = block.get(key);
    if (raw !== undefined && /^-?\d+$/.test(raw)) return Math.max(0, Number(raw) / 1_000_000);
  }
  const clock = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(block.get('out_time') ?? '');
  if (clock) return Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
  return null;
}
