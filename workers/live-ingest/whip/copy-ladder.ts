import { type ChildProcess, spawn as nodeSpawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LadderInput, PublishHandle } from './agent-port.ts';

/**
 * A stand-in for the agent's ladder, for tests, the bench and manual checks of the receiver: a
 * real ffmpeg reading the receiver's SDP with the agent's input flags and copying the media (no
 * re-encode) to a file in `dir` (MPEG-TS for H.264, Matroska for VP8) or to nowhere. `stop()`
 * ends it by pid like the agent does (SIGINT so the file is finished, SIGKILL after 5 s).
 */
export interface StartedCopyLadder {
  readonly pid: number;
  /** The output file, or undefined when writing to nowhere. */
  readonly output: string | undefined;
  readonly sdpPath: string;
  readonly args: readonly string[];
  readonly stopReasons: string[];
  /** Aborts the publish as the agent would on a cut. */
  readonly cut: AbortController;
}

export interface CopyLadder {
  readonly started: StartedCopyLadder[];
  publish(input: LadderInput): PublishHandle;
  /** SIGKILLs any ffmpeg still running. */
  close(): void;
}

export function createCopyLadder(options: {
  readonly dir: string;
  readonly toFile?: boolean;
  readonly spawn?: (command: string, args: readonly string[]) => ChildProcess;
}): CopyLadder {
  const spawn = options.spawn ?? ((command, args) => nodeSpawn(command, [...args], { stdio: 'ignore' }));
  const started: StartedCopyLadder[] = [];
  const children: ChildProcess[] = [];
  return {
    started,
    publish(input) {
      if (input.kind !== 'sdp') throw new Error('The copy ladder reads the WHIP SDP input only');
      const vp8 = readFileSync(input.sdpPath, 'utf8').includes(' VP8/90000');
      const output =
        options.toFile === false
          ? undefined
          : join(options.dir, `out-${started.length + 1}.${vp8 ? 'mkv' : 'ts'}`);
      const args = [
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'error',
        '-protocol_whitelist',
        'file,udp,rtp',
        '-fflags',
        '+genpts',
        '-reorder_queue_size',
        '500',
        '-i',
        input.sdpPath,
        '-map',
        '0',
        '-c',
        'copy',
        ...(output ? ['-f', vp8 ? 'matroska' : 'mpegts', output] : ['-f', 'null', '-']),
      ];
      const child = spawn('ffmpeg', args);
      children.push(child);
      const pid = child.pid;
      if (pid === undefined) throw new Error('ffmpeg did not start');
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      const stopReasons: string[] = [];
      const cut = new AbortController();
      started.push({ pid, output, sdpPath: input.sdpPath, args, stopReasons, cut });
      let stopping: Promise<void> | undefined;
      const finished = (async () => {
        await exited;
        return cut.signal.aborted ? ('cut' as const) : ('publisher-left' as const);
      })();
      return {
        streamId: 'copy',
        session: 1,
        ladderPid: pid,
        cut: cut.signal,
        finished,
        stop(reason) {
          stopReasons.push(reason);
          stopping ??= (async () => {
            try {
              process.kill(pid, 'SIGINT');
            } catch {
              // already gone
            }
            const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            await exited;
            clearTimeout(timer);
          })();
          return stopping;
        },
      };
    },
    close() {
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
