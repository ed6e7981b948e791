import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { FfmpegFailedError } from './errors.ts';
import { type FfmpegProgress, ProgressParser } from './progress.ts';

/** Where the binaries are; names are looked up on PATH. */
export interface MediaTools {
  readonly ffmpeg: string;
  readonly ffprobe: string;
  /**
   * Start each process through util-linux `setpriv --pdeathsig KILL`, so that a worker killed
   * with SIGKILL takes its ffmpeg with it instead of leaving it encoding for nobody (Linux only;
   * setpriv execs, so the pid and signals are ffmpeg's own).
   */
  readonly killWithParent?: boolean;
}

export const DEFAULT_MEDIA_TOOLS: MediaTools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };

export interface RunOptions {
  readonly signal?: AbortSignal;
  /** Gives up (SIGTERM, then SIGKILL) after this long; the run fails with FfmpegFailedError. */
  readonly timeoutMs?: number;
  /** Between SIGTERM and SIGKILL when stopping a run. */
  readonly killGraceMs?: number;
  readonly cwd?: string;
  /** See MediaTools.killWithParent. */
  readonly killWithParent?: boolean;
  /**
   * Feeds the process's stdin (read as `-i pipe:0`); resolves once everything is written (stdin is
   * then closed). A feeder that fails stops the process and fails the run.
   */
  readonly stdin?: (sink: Writable) => Promise<void>;
  /**
   * What stdout carries: `collect` keeps it (bounded by maxStdoutBytes), `progress` parses
   * ffmpeg's `-progress pipe:1`, `lines` streams it line by line and keeps nothing.
   */
  readonly stdout?:
    | { readonly kind: 'collect'; readonly maxBytes?: number }
    | {
        readonly kind: 'progress';
        readonly durationSeconds: number | null;
        readonly onProgress: (progress: FfmpegProgress) => void;
      }
    | { readonly kind: 'lines'; readonly onLine: (line: string) => void };
}

export interface RunResult {
  readonly stdout: string;
  /** The last warning/error lines (info lines are left out). */
  readonly stderrTail: readonly string[];
  /** user + system CPU seconds from ffmpeg's `-benchmark` line; null when it printed none. */
  readonly cpuSeconds: number | null;
  readonly wallSeconds: number;
}

const STDERR_TAIL_LINES = 20;
/** Warnings ffmpeg prints on every healthy run (swscale about the JPEG encoder's full-range format). */
const KNOWN_NOISE = /deprecated pixel format used/;
const DEFAULT_MAX_STDOUT = 4 * 1024 * 1024;
const DEFAULT_KILL_GRACE_MS = 2_000;

/**
 * Runs ffmpeg or ffprobe (no shell) and settles when the process has exited and its output is
 * drained (`close`: ffmpeg starts no children that could hold the pipes open). A non-zero exit,
 * a timeout or oversized output rejects with FfmpegFailedError; an abort rejects with the
 * signal's reason, after the process is gone.
 */
export function runMediaTool(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  if (options.signal?.aborted) return Promise.reject(options.signal.reason);
  return new Promise<RunResult>((resolve, reject) => {
    const started = performance.now();
    const [file, argv] = options.killWithParent
      ? ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]]
      : [command, [...args]];
    const child = spawn(file, argv, {
      cwd: options.cwd,
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    const stderr = new StderrTail();
    const stdout = stdoutSink(options.stdout ?? { kind: 'collect' });
    let stopReason: { kind: 'abort' } | { kind: 'failure'; reason: string } | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const stop = (why: NonNullable<typeof stopReason>) => {
      if (stopReason || child.exitCode !== null || child.signalCode !== null) return;
      stopReason = why;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
      killTimer.unref();
    };
    const onAbort = () => stop({ kind: 'abort' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timeout =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(
            () => stop({ kind: 'failure', reason: `timed out after ${options.timeoutMs} ms` }),
            options.timeoutMs,
          );

    // Both are pipes (stdio above); only stdin depends on the options.
    const childStdout = child.stdout as NonNullable<typeof child.stdout>;
    const childStderr = child.stderr as NonNullable<typeof child.stderr>;
    childStdout.setEncoding('utf8');
    childStdout.on('data', (chunk: string) => {
      try {
        if (!stdout.push(chunk)) stop({ kind: 'failure', reason: 'wrote more output than allowed' });
      } catch (error) {
        // A throwing progress or line handler must not become an uncaught exception in the worker.
        stop({ kind: 'failure', reason: `output handler failed (${(error as Error).message})` });
      }
    });
    childStderr.setEncoding('utf8');
    childStderr.on('data', (chunk: string) => stderr.push(chunk));

    let feedFailure: unknown;
    if (options.stdin && child.stdin) {
      const sink = child.stdin;
      // EPIPE when ffmpeg ends before its input does: its exit status says why.
      sink.on('error', () => {});
      options.stdin(sink).then(
        () => sink.end(),
        (error: unknown) => {
          feedFailure = error;
          sink.destroy();
          stop({ kind: 'failure', reason: `its input failed (${(error as Error).message ?? error})` });
        },
      );
    }

    const finish = () => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (error) => {
      finish();
      reject(
        new FfmpegFailedError(
          command,
          { exitCode: null, signal: null, stderrTail: [] },
          { cause: error, reason: `could not be started (${error.message})` },
        ),
      );
    });
    child.once('close', (exitCode, signal) => {
      finish();
      stderr.end();
      stdout.end();
      const outcome = { exitCode, signal, stderrTail: stderr.tail() };
      if (stopReason?.kind === 'abort') {
        reject(options.signal?.reason ?? new DOMException('aborted', 'AbortError'));
      } else if (stopReason?.kind === 'failure') {
        reject(new FfmpegFailedError(command, outcome, { reason: stopReason.reason, cause: feedFailure }));
      } else if (exitCode !== 0) {
        reject(new FfmpegFailedError(command, outcome));
      } else {
        resolve({
          stdout: stdout.text(),
          stderrTail: outcome.stderrTail,
          cpuSeconds: stderr.cpuSeconds,
          wallSeconds: (performance.now() - started) / 1000,
        });
      }
    });
  });
}

interface StdoutSink {
  /** False when the output broke its bound. */
  push(chunk: string): boolean;
  end(): void;
  text(): string;
}

function stdoutSink(mode: NonNullable<RunOptions['stdout']>): StdoutSink {
  if (mode.kind === 'progress') {
    const parser = new ProgressParser(mode.durationSeconds, mode.onProgress);
    return {
      push(chunk) {
        parser.push(chunk);
        return true;
      },
      end: () => {},
      text: () => '',
    };
  }
  if (mode.kind === 'lines') {
    const lines = new LineSplitter(mode.onLine);
    return {
      push(chunk) {
        lines.push(chunk);
        return true;
      },
      end: () => lines.end(),
      text: () => '',
    };
  }
  const maxBytes = mode.maxBytes ?? DEFAULT_MAX_STDOUT;
  const parts: string[] = [];
  let bytes = 0;
  return {
    push(chunk) {
      bytes += Buffer.byteLength(chunk);
      if (bytes > maxBytes) return false;
      parts.push(chunk);
      return true;
    },
    end: () => {},
    text: () => parts.join(''),
  };
}

class LineSplitter {
  readonly #onLine: (line: string) => void;
  #partial = '';

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  push(chunk: string): void {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.#onLine(line.replace(/\r$/, ''));
  }

  end(): void {
    if (this.#partial !== '') this.#onLine(this.#partial);
    this.#partial = '';
  }
}

/**
 * Keeps the last warning/error lines of stderr and picks up `-benchmark`'s CPU figures. With
 * `-loglevel level+info` every line carries its level, so the chatty info lines can be dropped
 * while the `bench:` line (printed at info) is still seen.
 */
class StderrTail {
  cpuSeconds: number | null = null;
  readonly #lines: string[] = [];
  readonly #splitter = new LineSplitter((line) => this.#line(line));

  push(chunk: string): void {
    this.#splitter.push(chunk);
  }

  end(): void {
    this.#splitter.end();
  }

  tail(): string[] {
    return [...this.#lines];
  }

  #line(raw: string): void {
    const bench = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(raw);
    if (bench) {
      this.cpuSeconds = Number(bench[1]) + Number(bench[2]);
      return;
    }
    if (/\[(info|verbose|debug|trace)\] /.test(raw) || KNOWN_NOISE.test(raw)) return;
    const line = raw
      .replace(/ @ 0x[0-9a-f]+\]/g, ']')
      .replace(/\[(error|warning|fatal|panic)\] /, '')
      .trim();
    if (line === '') return;
    this.#lines.push(line);
    if (this.#lines.length > STDERR_TAIL_LINES) this.#lines.shift();
  }
}
