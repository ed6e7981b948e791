/**
 * Live streams: their states, the plan an ingest agent runs, and the rules that decide every
 * publish, update, done and watchdog step. Pure functions of a stream's facts (read with the
 * database clock), so the repository's conditional UPDATEs and these rules can be tested apart.
 *
 *   idle ─authorize→ starting ─first segments→ live ─done / silent→ reconnecting ─authorize→ starting …
 *   reconnecting ─window expired→ ended (recording queued) | failed (nothing recorded)
 *   any cut that is not a key rotation (show cancelled, max duration, asset deleted, ended by the
 *   creator) ends the stream at the agent's done instead of waiting for a reconnect.
 */
export const LIVE_STATUSES = ['idle', 'starting', 'live', 'reconnecting', 'ended', 'failed'] as const;
export type LiveStatus = (typeof LIVE_STATUSES)[number];

export const PROTOCOLS = ['rtmp', 'whip'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** A publisher is on (or about to be): another publish of the same stream is refused. */
export const PUBLISHING_STATUSES: readonly LiveStatus[] = ['starting', 'live'];

export const DEFAULT_RECONNECT_WINDOW_SECONDS = 60;
export const MAX_RECONNECT_WINDOW_SECONDS = 300;
export const DEFAULT_MAX_DURATION_SECONDS = 4 * 60 * 60;
/** Upper bound a creator may ask for (a day); the default is four hours. */
export const MAX_MAX_DURATION_SECONDS = 24 * 60 * 60;

/** How often an agent reports each stream; the watchdog and already-live use three of these. */
export const DEFAULT_UPDATE_INTERVAL_SECONDS = 5;
export const SILENT_AFTER_UPDATES = 3;

/** Stable refusal codes the ingest agent acts on (problem member `code`). */
export const LIVE_REFUSALS = {
  unknownKey: 'unknown-key',
  alreadyLive: 'already-live',
  streamEnded: 'stream-ended',
  showCancelled: 'show-cancelled',
  maxDuration: 'max-duration',
  assetDeleted: 'asset-deleted',
  keyRotated: 'key-rotated',
  sessionSuperseded: 'session-superseded',
} as const;
export type LiveRefusalCode = (typeof LIVE_REFUSALS)[keyof typeof LIVE_REFUSALS];

/** HTTP status of each refusal: 410 when the stream (or its asset) is gone for good. */
export const REFUSAL_STATUS: Readonly<Record<LiveRefusalCode, number>> = {
  'unknown-key': 403,
  'already-live': 409,
  'stream-ended': 410,
  'show-cancelled': 409,
  'max-duration': 409,
  'asset-deleted': 410,
  'key-rotated': 409,
  'session-superseded': 409,
};

/** Why a publisher is being cut; stored in `cut_reason` until the agent's done. */
export const CUT_REASONS = [
  'key-rotated',
  'show-cancelled',
  'max-duration',
  'asset-deleted',
  'stream-ended',
] as const;
export type CutReason = (typeof CUT_REASONS)[number];

export function isCutReason(value: string | null): value is CutReason {
  return value !== null && (CUT_REASONS as readonly string[]).includes(value);
}

/** A rotated key only cuts the publisher holding the old key: the stream waits for the new one. */
export function cutEndsStream(reason: CutReason): reason is Exclude<CutReason, 'key-rotated'> {
  return reason !== 'key-rotated';
}

/** Why a stream ended (`end_reason`, `live.ended`). */
export type EndReason =
  | 'ended-by-creator'
  | 'reconnect-window-expired'
  | 'show-cancelled'
  | 'max-duration'
  | 'asset-deleted';

export function endReasonForCut(reason: Exclude<CutReason, 'key-rotated'>): EndReason {
  return reason === 'stream-ended' ? 'ended-by-creator' : reason;
}

export interface LiveRendition {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** Bits per second. */
  readonly videoBitrate: number;
}

/** The one rendition ladder every live stream runs (the agent's ffmpeg `split`). */
export const LIVE_LADDER: readonly LiveRendition[] = [
  { name: '720p', width: 1280, height: 720, videoBitrate: 2_800_000 },
  { name: '480p', width: 854, height: 480, videoBitrate: 1_400_000 },
  { name: '360p', width: 640, height: 360, videoBitrate: 800_000 },
];
export const LIVE_AUDIO_BITRATE = 128_000;
export const LIVE_SEGMENT_SECONDS = 1;

/** `videos/<assetId>/live/`: every live object of the asset (inside the asset's edge-token scope). */
export function liveMediaPrefix(assetId: string): string {
  return `videos/${assetId}/live/`;
}

export function liveMasterPlaylistKey(assetId: string): string {
  return `${liveMediaPrefix(assetId)}master.m3u8`;
}

/** What the rules need to know about a stream, read in one statement with the database clock. */
export interface StreamFacts {
  readonly status: LiveStatus;
  readonly session: number;
  readonly workerId: string | null;
  readonly cutReason: CutReason | null;
  readonly recordedSeconds: number;
  readonly maxDurationSeconds: number;
  /** Milliseconds since the last heartbeat by the database clock; null before the first. */
  readonly heartbeatAgeMs: number | null;
  /** Milliseconds since the publisher left (`reconnecting`), by the database clock. */
  readonly disconnectedAgeMs: number | null;
  readonly reconnectWindowSeconds: number;
  readonly finalised: boolean;
  /** The stream's show is cancelled. */
  readonly showCancelled: boolean;
  /** The stream's asset is no longer a live asset (deleted or failed by an operator). */
  readonly assetGone: boolean;
}

export type Verdict<T = undefined> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: LiveRefusalCode; readonly detail: string };

const refuse = (code: LiveRefusalCode, detail: string) => ({ ok: false, code, detail }) as const;

/** Whether a heartbeat this old means the publisher's agent is gone. */
export function isSilent(heartbeatAgeMs: number | null, updateIntervalSeconds: number): boolean {
  return heartbeatAgeMs === null || heartbeatAgeMs >= SILENT_AFTER_UPDATES * updateIntervalSeconds * 1000;
}

/**
 * May a publisher start a session of this stream now? The repository's conditional UPDATE states
 * the same in SQL; this says why not, in the order a creator can act on.
 */
export function publishVerdict(
  stream: StreamFacts,
  updateIntervalSeconds: number,
  caller?: { readonly workerId: string },
): Verdict {
  if (stream.finalised || stream.status === 'ended' || stream.status === 'failed') {
    return refuse('stream-ended', 'The stream has ended; create a new stream to go live again.');
  }
  if (stream.assetGone || stream.cutReason === 'asset-deleted') {
    return refuse('asset-deleted', 'The stream’s video was deleted.');
  }
  if (stream.showCancelled || stream.cutReason === 'show-cancelled') {
    return refuse('show-cancelled', 'The stream’s show has been cancelled.');
  }
  if (stream.cutReason === 'stream-ended') {
    return refuse('stream-ended', 'The creator ended the stream.');
  }
  if (stream.cutReason === 'max-duration' || stream.recordedSeconds >= stream.maxDurationSeconds) {
    return refuse('max-duration', `The stream reached its maximum of ${stream.maxDurationSeconds} s.`);
  }
  // The agent holding a `starting` stream may ask again: its first answer was lost on the way
  // (claimPublishSession then answers the same session; the agent's own guard refuses a second
  // publisher of a stream it is already running).
  const heldByCaller =
    stream.status === 'starting' && caller !== undefined && stream.workerId === caller.workerId;
  if (
    PUBLISHING_STATUSES.includes(stream.status) &&
    !isSilent(stream.heartbeatAgeMs, updateIntervalSeconds) &&
    !heldByCaller
  ) {
    return refuse('already-live', 'Another publisher is live on this stream.');
  }
  return { ok: true, value: undefined };
}

/** What an agent's heartbeat says about its session. */
export interface UpdateCall {
  readonly session: number;
  readonly workerId: string;
}

/**
 * An agent's update: the session is still the stream's current one and nothing asks for a cut.
 * `cut` is the reason to store when the refusal is new (so the agent's done ends the stream).
 */
export function updateVerdict(
  stream: StreamFacts,
  call: UpdateCall,
):
  | Verdict
  | {
      readonly ok: false;
      readonly code: LiveRefusalCode;
      readonly detail: string;
      readonly cut?: CutReason;
    } {
  if (stream.finalised || stream.status === 'ended' || stream.status === 'failed') {
    return refuse('stream-ended', 'The stream has ended.');
  }
  if (call.session !== stream.session || call.workerId !== stream.workerId) {
    return refuse('session-superseded', `Session ${call.session} is no longer the stream’s current session.`);
  }
  if (stream.cutReason !== null) return refuse(stream.cutReason, cutDetail(stream.cutReason, stream));
  const cut: CutReason | undefined = stream.assetGone
    ? 'asset-deleted'
    : stream.showCancelled
      ? 'show-cancelled'
      : stream.recordedSeconds >= stream.maxDurationSeconds
        ? 'max-duration'
        : undefined;
  if (cut) return { ...refuse(cut, cutDetail(cut, stream)), cut };
  return { ok: true, value: undefined };
}

function cutDetail(reason: CutReason, stream: StreamFacts): string {
  switch (reason) {
    case 'key-rotated':
      return 'The stream key was rotated; publish again with the new key.';
    case 'show-cancelled':
      return 'The stream’s show has been cancelled.';
    case 'max-duration':
      return `The stream reached its maximum of ${stream.maxDurationSeconds} s.`;
    case 'asset-deleted':
      return 'The stream’s video was deleted.';
    case 'stream-ended':
      return 'The creator ended the stream.';
  }
}

export type DoneOutcome =
  /** A superseded session or an already ended stream: nothing changes (answered 200 anyway). */
  | { readonly kind: 'stale' }
  | { readonly kind: 'reconnecting' }
  | { readonly kind: 'end'; readonly reason: EndReason };

/** The publisher of `call`'s session left: wait for a reconnect, or end when a cut says so. */
export function doneOutcome(stream: StreamFacts, call: UpdateCall): DoneOutcome {
  if (stream.finalised || stream.status === 'ended' || stream.status === 'failed') return { kind: 'stale' };
  if (call.session !== stream.session || call.workerId !== stream.workerId) return { kind: 'stale' };
  if (stream.status === 'idle') return { kind: 'stale' };
  if (stream.cutReason !== null && cutEndsStream(stream.cutReason)) {
    return { kind: 'end', reason: endReasonForCut(stream.cutReason) };
  }
  if (stream.assetGone) return { kind: 'end', reason: 'asset-deleted' };
  if (stream.showCancelled) return { kind: 'end', reason: 'show-cancelled' };
  if (stream.recordedSeconds >= stream.maxDurationSeconds) return { kind: 'end', reason: 'max-duration' };
  return { kind: 'reconnecting' };
}

/**
 * The watchdog's verdict on a `reconnecting` stream: end it (why), or keep waiting (undefined).
 * A cut that ends the stream does not wait for the window, nor does a stream no publisher may
 * continue (its video gone, its show cancelled, its maximum duration recorded).
 */
export function reconnectExpiry(stream: StreamFacts): EndReason | undefined {
  if (stream.finalised || stream.status !== 'reconnecting') return undefined;
  if (stream.cutReason !== null && cutEndsStream(stream.cutReason)) return endReasonForCut(stream.cutReason);
  // A reconnect the publish gate would refuse is not worth waiting for (nor a misleading reason).
  if (stream.assetGone) return 'asset-deleted';
  if (stream.showCancelled) return 'show-cancelled';
  if (stream.recordedSeconds >= stream.maxDurationSeconds) return 'max-duration';
  if (stream.disconnectedAgeMs === null || stream.disconnectedAgeMs >= stream.reconnectWindowSeconds * 1000) {
    return 'reconnect-window-expired';
  }
  return undefined;
}

/** What the creator's end does: finalise now, or cut the publisher and end at its done. */
export function endRequestOutcome(
  stream: StreamFacts,
  updateIntervalSeconds: number,
): 'already-ended' | 'finalise' | 'cut' {
  if (stream.finalised || stream.status === 'ended' || stream.status === 'failed') return 'already-ended';
  if (
    PUBLISHING_STATUSES.includes(stream.status) &&
    !isSilent(stream.heartbeatAgeMs, updateIntervalSeconds)
  ) {
    return 'cut';
  }
  return 'finalise';
}
