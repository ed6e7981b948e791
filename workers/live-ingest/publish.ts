import { chownSync, copyFileSync, type FSWatcher, mkdirSync, readFileSync, watch } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Metrics } from '#shared/metrics/metrics.ts';
import { ObjectNotFoundError, type ObjectStore } from '#shared/storage/object-store.ts';
import {
  type AuthorizeAnswer,
  type ControlPlane,
  ControlPlaneUnavailableError,
  type EndReason,
  type Rendition,
} from './control-plane.ts';
import { type LadderInput, type PublishHandle, type RunningLadder, startLadderProcess } from './ladder.ts';
import {
  appendSegment,
  emptyPlaylist,
  type LivePlaylist,
  parseLivePlaylist,
  renderLivePlaylist,
  renderMasterPlaylist,
  startSession,
} from './live-playlist.ts';
import { firstDecodeTime, firstTrackTimescale, type InitInfo, initInfo } from './media-info.ts';
import { isRunning, runningAsRoot, stopChild, UNPRIVILEGED_ID } from './processes.ts';

export type Log = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface PublishDeps {
  readonly store: ObjectStore;
  readonly bucket: string;
  readonly controlPlane: ControlPlane;
  readonly ffmpeg: string;
  readonly preset: string;
  readonly x264Params?: string;
  /** Parent of this publish's private output folder. */
  readonly laddersDir: string;
  readonly log: Log;
  /** Records live_playlist_lag_ms for every playlist upload (default: nowhere). */
  readonly metrics?: Metrics;
  /** Disconnects the publisher (RTMP: nginx's control module). The WHIP receiver watches `cut` instead. */
  readonly dropPublisher?: () => Promise<void>;
  /** Called once the publish is over (frees the one-ladder-per-stream guard). */
  readonly onFinished?: (reason: EndReason) => void;
}

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const CONTENT_TYPE: Record<string, string> = { m4s: 'video/iso.segment', mp4: 'video/mp4' };
const segmentName = (n: number) => `seg-${String(n).padStart(6, '0')}.m4s`;
/**
 * The lease: heartbeats the function did not accept for this many update intervals (its own
 * SILENT_AFTER_UPDATES) and the stream may be someone else's: the publish ends.
 */
export const LEASE_UPDATES = 3;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** One rendition's path from ffmpeg's local output to storage. */
class RenditionTrack {
  readonly rendition: Rendition;
  readonly dir: string;
  /** Highest local segment number handed to the upload chain. */
  queued = 0;
  uploadedSegments = 0;
  uploadedSeconds = 0;
  initInfo: InitInfo | undefined;
  timescale: number | undefined;
  playlist: LivePlaylist | undefined;
  /** Storage kept failing while the publish ended: this session's playlist is left as it was. */
  playlistUnavailable = false;
  playlistsWritten = 0;
  chain: Promise<void> = Promise.resolve();
  constructor(rendition: Rendition, dir: string) {
    this.rendition = rendition;
    this.dir = dir;
  }
}

/**
 * One publish session of one stream: the ladder ffmpeg, the uploads (segment → playlist, never the
 * other way round), the heartbeat and the final `done`. Nothing here knows the stream key.
 */
export class LivePublish implements PublishHandle {
  readonly streamId: string;
  readonly session: number;
  readonly finished: Promise<EndReason>;
  readonly #answer: AuthorizeAnswer;
  readonly #deps: PublishDeps;
  readonly #prefix: string;
  readonly #outputDir: string;
  readonly #tracks: RenditionTrack[];
  readonly #cut = new AbortController();
  /** When the function authorized this publish (on_publish: the RTMP publisher's time 0). */
  readonly #createdAt = Date.now();
  #resolveFinished!: (reason: EndReason) => void;
  #ladder: RunningLadder | undefined;
  #input: LadderInput | undefined;
  #ending: Promise<void> | undefined;
  #stopRequested = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #watchers: FSWatcher[] = [];
  #masterWritten = false;
  #lags: number[] = [];
  #lastLagMs: number | undefined;
  #ended = false;
  #startTimer: NodeJS.Timeout | undefined;
  #lease: NodeJS.Timeout | undefined;
  /** When the function last accepted a heartbeat (or granted the session). */
  #lastAccepted = Date.now();
  /** The lease ran out: nothing more is uploaded (the stream may have another ladder now). */
  #leaseLost = false;
  /** Wall-clock ms at media time 0 (see #programDateTime). */
  #anchor: number | undefined;

  constructor(answer: AuthorizeAnswer, deps: PublishDeps) {
    this.#answer = answer;
    this.#deps = deps;
    this.streamId = answer.streamId;
    this.session = answer.session;
    this.#prefix = `videos/${answer.assetId}/live/`;
    this.#outputDir = join(deps.laddersDir, `${answer.streamId}-s${answer.session}`);
    this.#tracks = answer.ladder.map((r) => new RenditionTrack(r, join(this.#outputDir, r.name)));
    this.finished = new Promise((resolve) => {
      this.#resolveFinished = resolve;
    });
  }

  get cut(): AbortSignal {
    return this.#cut.signal;
  }

  get ladderPid(): number | undefined {
    return this.#ladder?.child.pid;
  }

  get running(): boolean {
    return !this.#ended;
  }

  /** Lag samples (ms) of every playlist written so far, for benches. */
  get lagSamples(): readonly number[] {
    return this.#lags;
  }

  /** If no media arrives (publish never called), the stream is handed back after `ms`. */
  expectStartWithin(ms: number): void {
    this.#startTimer = setTimeout(() => {
      if (!this.#input) void this.end('error');
    }, ms);
    this.#startTimer.unref();
  }

  /** Starts the ladder on `input`; the heartbeat and the playlists' state load start with it. */
  start(input: LadderInput): Promise<void> {
    try {
      this.#startNow(input);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #startNow(input: LadderInput): void {
    if (this.#input) throw new Error('a publish starts once');
    this.#input = input;
    clearTimeout(this.#startTimer);

    // Synchronous on purpose (a few small calls): the ladder's pid exists when start() returns.
    for (const track of this.#tracks) mkdirSync(track.dir, { recursive: true });
    if (runningAsRoot()) {
      // ffmpeg runs as nobody; it writes only here.
      chownSync(this.#outputDir, UNPRIVILEGED_ID, UNPRIVILEGED_ID);
      for (const track of this.#tracks) chownSync(track.dir, UNPRIVILEGED_ID, UNPRIVILEGED_ID);
    }
    let ladderInput = input;
    if (input.kind === 'sdp' && runningAsRoot()) {
      // ffmpeg runs as nobody and may not read the receiver's private folder: a copy beside its outputs.
      const sdpPath = join(this.#outputDir, 'input.sdp');
      copyFileSync(input.sdpPath, sdpPath);
      chownSync(sdpPath, UNPRIVILEGED_ID, UNPRIVILEGED_ID);
      ladderInput = { kind: 'sdp', sdpPath };
    }
    if (this.#ended || this.#stopRequested) return;
    if (input.kind === 'sdp') this.#anchor = Date.now();
    this.#ladder = startLadderProcess(this.#deps.ffmpeg, {
      input: ladderInput,
      ladder: this.#answer.ladder,
      audioBitrate: this.#answer.audioBitrate,
      segmentSeconds: this.#answer.segmentSeconds,
      outputDir: this.#outputDir,
      preset: this.#deps.preset,
      ...(this.#deps.x264Params ? { x264Params: this.#deps.x264Params } : {}),
    });
    const child = this.#ladder.child;
    child.once('error', (error) => {
      this.#deps.log('error', 'ladder could not start', { streamId: this.streamId, error: error.message });
      void this.end('error');
    });
    child.once('exit', (code, signal) => {
      if (this.#stopRequested) return;
      const clean = code === 0 && input.kind === 'url';
      this.#deps.log(clean ? 'info' : 'warn', 'ladder exited on its own', {
        streamId: this.streamId,
        session: this.session,
        code,
        signal,
        stderr: clean ? undefined : this.#ladder?.stderrTail.slice(-5),
      });
      void this.end(clean ? 'publisher-left' : 'error');
    });
    this.#deps.log('info', 'ladder started', {
      streamId: this.streamId,
      session: this.session,
      pid: child.pid,
      renditions: this.#answer.ladder.map((r) => r.name),
    });
    for (const track of this.#tracks) {
      try {
        // Only ffmpeg's playlist being replaced matters (it lists finished segments); segment writes
        // fire an event per chunk and would cost a scan each.
        this.#watchers.push(
          watch(track.dir, (_event, name) => {
            if (name === 'index.m3u8') this.#scan(track);
          }),
        );
      } catch {
        // The fallback poll below still finds the segments.
      }
    }
    this.#poll = setInterval(() => {
      for (const track of this.#tracks) this.#scan(track);
    }, 500);
    this.#heartbeat = setInterval(() => void this.#beat(), this.#answer.updateIntervalSeconds * 1000);
    this.#armLease();
    void this.#loadPlaylists();
  }

  stop(reason: 'publisher-left' | 'error'): Promise<void> {
    return this.end(reason);
  }

  /** Ends the publish once: stop the ladder, upload what is left, POST done. */
  end(reason: EndReason): Promise<void> {
    this.#ending ??= this.#finish(reason);
    return this.#ending;
  }

  async #finish(reason: EndReason): Promise<void> {
    this.#stopRequested = true;
    clearTimeout(this.#startTimer);
    clearInterval(this.#heartbeat);
    clearTimeout(this.#lease);
    this.#deps.log('info', 'publish ending', { streamId: this.streamId, session: this.session, reason });
    if (reason !== 'publisher-left') {
      this.#cut.abort(reason);
      await this.#deps
        .dropPublisher?.()
        .catch((error: unknown) =>
          this.#deps.log('warn', 'publisher could not be dropped', { streamId: this.streamId, error }),
        );
    }
    const ladder = this.#ladder?.child;
    if (ladder && isRunning(ladder)) {
      if (reason === 'publisher-left' && this.#input?.kind === 'url') {
        // The RTMP input ends by itself when the publisher leaves; give ffmpeg a moment to flush.
        await Promise.race([new Promise((r) => ladder.once('exit', r)), sleep(3_000)]);
      }
      // SIGINT: ffmpeg closes the open segment and its playlist. A second one interrupts a blocked
      // input read (ffmpeg only checks the first between packets); SIGKILL if it still hangs.
      const again = setTimeout(() => ladder.kill('SIGINT'), 500);
      await stopChild(ladder, 'SIGINT', 5_000);
      clearTimeout(again);
      this.#deps.log('info', 'ladder stopped', {
        streamId: this.streamId,
        session: this.session,
        code: ladder.exitCode,
        signal: ladder.signalCode,
        stderr: this.#ladder?.stderrTail.slice(-3),
      });
    }
    for (const watcher of this.#watchers) watcher.close();
    clearInterval(this.#poll);
    for (const track of this.#tracks) this.#scan(track);
    const drained = Promise.all(this.#tracks.map((t) => t.chain));
    const timedOut = await Promise.race([drained.then(() => false), sleep(60_000).then(() => true)]);
    if (timedOut)
      this.#deps.log('error', 'final uploads did not finish in time', { streamId: this.streamId });
    await this.#sendDone(reason);
    await rm(this.#outputDir, { recursive: true, force: true }).catch(() => {});
    this.#ended = true;
    this.#deps.log('info', 'publish ended', {
      streamId: this.streamId,
      session: this.session,
      reason,
      segments: this.#tracks[0]?.uploadedSegments ?? 0,
      recordedSeconds: this.#recordedSeconds(),
    });
    this.#deps.onFinished?.(reason);
    this.#resolveFinished(reason);
  }

  async #sendDone(reason: EndReason): Promise<void> {
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      try {
        await this.#deps.controlPlane.done(this.streamId, {
          session: this.session,
          recordedSeconds: this.#recordedSeconds(),
          segments: this.#tracks[0]?.uploadedSegments ?? 0,
          reason,
        });
        return;
      } catch (error) {
        this.#deps.log('warn', 'done call failed', { streamId: this.streamId, attempt, error });
        if (attempt < 5) await sleep(500 * 2 ** attempt);
      }
    }
    // The watchdog moves the stream to reconnecting when heartbeats stop; nothing is lost.
  }

  /** (Re)starts the lease: LEASE_UPDATES update intervals from the last accepted heartbeat. */
  #armLease(): void {
    clearTimeout(this.#lease);
    const ms = LEASE_UPDATES * this.#answer.updateIntervalSeconds * 1000;
    this.#lease = setTimeout(() => this.#loseLease(), ms);
    this.#lease.unref();
  }

  /** No heartbeat accepted for the lease: cut the publisher, stop uploading, end ('error'). */
  #loseLease(): void {
    if (this.#stopRequested) return;
    this.#leaseLost = true;
    this.#deps.log('error', 'lease lost: heartbeats failed, publish ends', {
      streamId: this.streamId,
      session: this.session,
      silentMs: Date.now() - this.#lastAccepted,
    });
    void this.end('error');
  }

  #recordedSeconds(): number {
    return Math.round((this.#tracks[0]?.uploadedSeconds ?? 0) * 1000) / 1000;
  }

  async #beat(): Promise<void> {
    if (this.#stopRequested) return;
    const lags = this.#lags.slice(-Math.max(1, Math.round(this.#answer.updateIntervalSeconds * 3)));
    const playlistLagMs = lags.length > 0 ? median(lags) : this.#lastLagMs;
    try {
      const answer = await this.#deps.controlPlane.update(this.streamId, {
        session: this.session,
        recordedSeconds: this.#recordedSeconds(),
        segments: this.#tracks[0]?.uploadedSegments ?? 0,
        ...(playlistLagMs === undefined ? {} : { playlistLagMs: Math.round(playlistLagMs) }),
      });
      if (answer.ok) {
        this.#lastAccepted = Date.now();
        this.#armLease();
      } else {
        this.#deps.log('info', 'control plane cut the stream', {
          streamId: this.streamId,
          session: this.session,
          status: answer.status,
          code: answer.code,
        });
        void this.end('cut');
      }
    } catch (error) {
      const status = error instanceof ControlPlaneUnavailableError ? error.status : undefined;
      this.#deps.log('warn', 'heartbeat failed', {
        streamId: this.streamId,
        status,
        error: (error as Error).message,
      });
    }
  }

  async #loadPlaylists(): Promise<void> {
    await Promise.all(
      this.#tracks.map(async (track) => {
        const key = `${this.#prefix}${track.rendition.name}/index.m3u8`;
        for (let attempt = 1; ; attempt += 1) {
          try {
            const { body } = await this.#deps.store.get(this.#deps.bucket, key);
            const chunks: Buffer[] = [];
            for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
            track.playlist = startSession(parseLivePlaylist(Buffer.concat(chunks).toString('utf8')));
            return;
          } catch (error) {
            if (error instanceof ObjectNotFoundError) {
              track.playlist = startSession(emptyPlaylist());
              return;
            }
            if (this.#stopRequested && attempt > 3) {
              this.#deps.log('error', 'live playlist could not be read; not rewritten', {
                streamId: this.streamId,
              });
              track.playlistUnavailable = true;
              return;
            }
            this.#deps.log('warn', 'live playlist read failed', { streamId: this.streamId, attempt, error });
            await sleep(Math.min(5_000, 250 * 2 ** attempt));
          }
        }
      }),
    );
  }

  /** Queues every segment ffmpeg's own playlist lists as finished that is not queued yet. */
  #scan(track: RenditionTrack): void {
    if (this.#leaseLost) return;
    let text: string;
    try {
      // Small file, replaced atomically by ffmpeg (temp_file); sync keeps the order of queued segments.
      text = readFileSync(join(track.dir, 'index.m3u8'), 'utf8');
    } catch {
      return;
    }
    for (const entry of parseLivePlaylist(text).segments) {
      const number = Number(/seg-(\d+)\.m4s$/.exec(entry.uri)?.[1]);
      if (!Number.isInteger(number) || number <= track.queued) continue;
      track.queued = number;
      track.chain = track.chain
        .then(() => this.#publishSegment(track, number, entry.duration))
        .catch((error: unknown) =>
          this.#deps.log('error', 'segment could not be published', {
            streamId: this.streamId,
            number,
            error,
          }),
        );
    }
  }

  async #publishSegment(track: RenditionTrack, number: number, duration: number): Promise<void> {
    if (this.#leaseLost) return;
    const base = `${this.#prefix}s${this.session}/${track.rendition.name}/`;
    if (!track.initInfo) {
      const init = await readFile(join(track.dir, 'init.mp4'));
      if (!(await this.#put(`${base}init.mp4`, init, CONTENT_TYPE.mp4 as string))) return;
      track.initInfo = initInfo(init);
      track.timescale = firstTrackTimescale(init);
    }
    const path = join(track.dir, segmentName(number));
    let body: Buffer;
    try {
      body = await readFile(path);
    } catch (error) {
      this.#deps.log('warn', 'segment vanished before upload', { streamId: this.streamId, number, error });
      return;
    }
    const pdt = this.#programDateTime(track, body, duration);
    if (!(await this.#put(`${base}${segmentName(number)}`, body, CONTENT_TYPE.m4s as string))) return;
    await rm(path, { force: true });
    track.uploadedSegments += 1;
    track.uploadedSeconds += duration;
    while (!track.playlist) {
      if (track.playlistUnavailable) return;
      await sleep(100);
    }
    track.playlist = appendSegment(track.playlist, {
      uri: `../s${this.session}/${track.rendition.name}/${segmentName(number)}`,
      map: `../s${this.session}/${track.rendition.name}/init.mp4`,
      duration,
      programDateTime: new Date(pdt).toISOString(),
    });
    if (this.#leaseLost) return;
    // Only now: every object this playlist names is stored.
    const written = await this.#put(
      `${this.#prefix}${track.rendition.name}/index.m3u8`,
      Buffer.from(renderLivePlaylist(track.playlist)),
      PLAYLIST_TYPE,
    );
    if (!written) return;
    track.playlistsWritten += 1;
    const lag = Date.now() - (pdt + duration * 1000);
    this.#lastLagMs = lag;
    this.#deps.metrics?.observe('live_playlist_lag_ms', Math.max(0, lag));
    this.#lags.push(lag);
    if (this.#lags.length > 10_000) this.#lags.splice(0, 5_000);
    if (!this.#masterWritten && this.#tracks.every((t) => t.playlistsWritten > 0)) {
      this.#masterWritten = true;
      await this.#writeMaster();
    }
  }

  /**
   * Wall-clock time of a segment's first frame: the anchor (on_publish for RTMP, whose timestamps
   * start at 0 when the publisher starts; the ladder's start for RTP) plus the segment's decode
   * time. Never in the future: an encoder whose clock does not start at 0 is re-anchored once.
   */
  #programDateTime(track: RenditionTrack, segment: Buffer, duration: number): number {
    const decode = firstDecodeTime(segment);
    const now = Date.now();
    if (decode === undefined || track.timescale === undefined) return now - duration * 1000;
    const start = (decode / track.timescale) * 1000;
    if (this.#anchor !== undefined && track === this.#tracks[0] && track.uploadedSegments === 0) {
      this.#deps.log('info', 'first segment', {
        streamId: this.streamId,
        session: this.session,
        mediaStartMs: Math.round(start),
        lagMs: Math.round(now - (this.#anchor + start + duration * 1000)),
      });
    }
    if (this.#anchor === undefined && this.#input?.kind === 'url') {
      // RTMP: the publisher's clock starts at on_publish; output time 0 is its input start time.
      this.#anchor = this.#createdAt + (this.#ladder?.inputStartSeconds ?? 0) * 1000;
    }
    if (this.#anchor === undefined || this.#anchor + start + duration * 1000 > now + 250) {
      this.#anchor = now - start - duration * 1000;
    }
    return this.#anchor + start;
  }

  async #writeMaster(): Promise<void> {
    const text = renderMasterPlaylist(
      this.#tracks.map((t) => ({
        name: t.rendition.name,
        bandwidth: Math.round((t.rendition.videoBitrate + this.#answer.audioBitrate) * 1.1),
        width: t.initInfo?.width ?? t.rendition.width,
        height: t.initInfo?.height ?? t.rendition.height,
        codecs: t.initInfo?.codecs ?? 'avc1.640028,mp4a.40.2',
      })),
    );
    await this.#put(`${this.#prefix}master.m3u8`, Buffer.from(text), PLAYLIST_TYPE);
  }

  /** PUT with a few retries; false when storage kept refusing (the playlist then skips this object). */
  async #put(key: string, body: Buffer, contentType: string): Promise<boolean> {
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      try {
        await this.#deps.store.put(this.#deps.bucket, key, body, { contentType, contentLength: body.length });
        return true;
      } catch (error) {
        this.#deps.log('warn', 'upload failed', { streamId: this.streamId, object: key, attempt, error });
        if (attempt < 4) await sleep(200 * 2 ** attempt);
      }
    }
    return false;
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
