import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { spawnChild } from '../../../../infra/local/child-processes.ts';
import {
  type LadderInput,
  type PublishHandle,
  startLadderProcess,
} from '../../../../workers/live-ingest/ladder.ts';
import { createWhipReceiver } from '../../../../workers/live-ingest/whip/receiver.ts';
import {
  startWhipPublisher,
  type WhipPublisher,
} from '../../../../workers/live-ingest/whip/whip-publisher.ts';

const execFileAsync = promisify(execFile);

/**
 * The receiver's SDP input with the agent's own ladder command (its input flags, the unprivileged
 * user it runs ffmpeg as, the split into renditions with AAC): a WHIP publish becomes 1 s fMP4
 * HLS segments with video and audio. The agent's uploads, heartbeats and playlists are not part
 * of this (the agent's tests cover them); the ladder is stopped by pid as the agent does.
 */
describe('WHIP receiver feeding the agent ladder (real ffmpeg, 2 renditions)', () => {
  it('turns an H.264 + Opus WHIP publish into 1 s HLS segments with video and audio', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'live-whip-ladder-'));
    const outputDir = join(dir, 'out');
    await chmod(dir, 0o755);
    // The agent makes one folder per rendition; its ffmpeg runs as nobody when the tests run as root.
    for (const name of ['360p', '240p']) {
      await mkdir(join(outputDir, name), { recursive: true });
      await chmod(join(outputDir, name), 0o777);
    }
    const stops: string[] = [];
    let ladderPid: number | undefined;
    let ladderStderr: readonly string[] = [];
    const publish = (input: LadderInput): PublishHandle => {
      const running = startLadderProcess('ffmpeg', {
        input,
        ladder: [
          { name: '360p', width: 640, height: 360, videoBitrate: 800_000 },
          { name: '240p', width: 426, height: 240, videoBitrate: 400_000 },
        ],
        audioBitrate: 128_000,
        segmentSeconds: 1,
        outputDir,
        preset: 'veryfast',
      });
      const pid = running.child.pid;
      ladderPid = pid;
      ladderStderr = running.stderrTail;
      const finished = new Promise<'publisher-left'>((resolve) =>
        running.child.once('exit', () => resolve('publisher-left')),
      );
      return {
        streamId: 'ladder1',
        session: 1,
        ladderPid: pid,
        cut: new AbortController().signal,
        finished,
        async stop(reason) {
          stops.push(reason);
          if (pid !== undefined) process.kill(pid, 'SIGINT');
          const timer = setTimeout(() => running.child.kill('SIGKILL'), 5_000);
          await finished;
          clearTimeout(timer);
        },
      };
    };
    const receiver = createWhipReceiver({
      workDir: dir,
      log: () => undefined,
      authorize: async () => ({ ok: true, streamId: 'ladder1', session: 1, publish }),
    });
    const server = createServer((req, res) => void receiver.handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    let publisher: WhipPublisher | undefined;
    const playlist = join(outputDir, '360p', 'index.m3u8');
    try {
      // Act
      publisher = await startWhipPublisher({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/whip`,
        streamKey: 'fcsk_ladder',
        width: 640,
        height: 360,
        videoBitrateKbps: 1_000,
        spawn: (command, args) =>
          spawnChild(command, args, { stdio: 'ignore', parentDeathSignal: 'SIGKILL' }),
      });
      await waitFor(
        () => segmentCount(playlist) >= 4,
        60_000,
        () => `four 360p segments; the ladder said: ${ladderStderr.join(' | ')}`,
      );
      const deleted = await publisher.delete();
      await waitFor(() => ladderPid !== undefined && !isAlive(ladderPid), 20_000, 'the ladder to exit');

      // Assess
      expect(deleted.status).toBe(204);
      expect(stops).toEqual(['publisher-left']);
      const durations = [...readFileSync(playlist, 'utf8').matchAll(/#EXTINF:([\d.]+)/g)].map((m) =>
        Number(m[1]),
      );
      expect(Math.max(...durations.slice(0, -1))).toBeLessThan(1.5);
      const { stdout } = await execFileAsync('ffprobe', [
        '-v',
        'error',
        '-show_entries',
        'stream=codec_type,codec_name,width,height',
        '-of',
        'json',
        playlist,
      ]);
      const streams = (
        JSON.parse(stdout) as { streams: { codec_type: string; codec_name: string; height?: number }[] }
      ).streams;
      expect(streams).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ codec_type: 'video', codec_name: 'h264', height: 360 }),
          expect.objectContaining({ codec_type: 'audio', codec_name: 'aac' }),
        ]),
      );
    } finally {
      await publisher?.close();
      await receiver.close();
      server.close();
      if (ladderPid !== undefined && isAlive(ladderPid)) process.kill(ladderPid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  }, 150_000);
});

function segmentCount(playlist: string): number {
  if (!existsSync(playlist)) return 0;
  return (readFileSync(playlist, 'utf8').match(/#EXTINF/g) ?? []).length;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
  what: string | (() => string),
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
