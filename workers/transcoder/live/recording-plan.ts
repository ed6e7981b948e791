/**
 * What a live stream left in storage, as the live-to-VOD job reads it. The ingest agent writes
 * `videos/<assetId>/live/s<session>/<rendition>/init.mp4` and `…/seg-000001.m4s` onwards (1 s fMP4
 * segments, every rendition cut on the same keyframes); playlists and the master beside them are
 * not needed: the segment numbers are the order.
 */

/** One object of the listing, relative to `videos/<assetId>/live/`. */
export interface LiveObject {
  readonly key: string;
  readonly size: number;
}

/** Segments `first..last` of one session, all present and non-empty in every rendition. */
export interface SegmentPiece {
  readonly first: number;
  readonly last: number;
}

export interface RecordedSession {
  readonly session: number;
  /**
   * Gap-free stretches of the session, in order. More than one when a segment is missing (an
   * upload that never succeeded): the stretches are joined end to end, so the VOD skips the hole
   * instead of stopping at it.
   */
  readonly pieces: readonly SegmentPiece[];
  /** Segments kept, over all pieces (1 s each). */
  readonly segmentCount: number;
}

export interface RecordingPlan {
  /** Renditions present in every recorded session, tallest first. */
  readonly renditions: readonly string[];
  /** Sessions with at least one usable segment, in order; empty sessions are left out. */
  readonly sessions: readonly RecordedSession[];
  /** Sessions that lost segments to gaps, or whose renditions stop at different segments. */
  readonly trimmed: readonly number[];
}

const SESSION_OBJECT = /^s([1-9][0-9]{0,5})\/([a-z0-9]{1,16})\/(init\.mp4|seg-([0-9]{6,9})\.m4s)$/;

/** The folder of one session's rendition, relative to the asset's `live/` folder. */
export function sessionRenditionFolder(session: number, rendition: string): string {
  return `s${session}/${rendition}/`;
}

export function liveSegmentName(index: number): string {
  return `seg-${String(index).padStart(6, '0')}.m4s`;
}

/**
 * Decides what of sessions 1..`sessions` can be remuxed. A session keeps the segments that are
 * present and non-empty in every one of its renditions (so every rendition stays cut at the same
 * instants, which vod-package checks), and needs each rendition's init segment. A rendition missing
 * from a recorded session is left out of the whole recording for the same reason. Objects named
 * any other way are ignored.
 */
export function planRecording(objects: readonly LiveObject[], sessions: number): RecordingPlan {
  const bySession = new Map<number, Map<string, { init: boolean; segments: Map<number, number> }>>();
  for (const object of objects) {
    const match = SESSION_OBJECT.exec(object.key);
    if (!match) continue;
    const session = Number(match[1]);
    if (session > sessions) continue;
    const rendition = match[2] as string;
    let renditions = bySession.get(session);
    if (!renditions) {
      renditions = new Map();
      bySession.set(session, renditions);
    }
    let entry = renditions.get(rendition);
    if (!entry) {
      entry = { init: false, segments: new Map() };
      renditions.set(rendition, entry);
    }
    if (match[4] === undefined) entry.init = object.size > 0;
    else entry.segments.set(Number(match[4]), object.size);
  }

  // Per session, the renditions that have an init segment and at least one segment.
  const usable = new Map<number, Map<string, Set<number>>>();
  for (let session = 1; session <= sessions; session++) {
    const renditions = new Map<string, Set<number>>();
    for (const [name, entry] of bySession.get(session) ?? []) {
      const numbers = new Set([...entry.segments].filter(([, size]) => size > 0).map(([n]) => n));
      if (entry.init && numbers.size > 0) renditions.set(name, numbers);
    }
    if (renditions.size > 0) usable.set(session, renditions);
  }

  let common: string[] | undefined;
  for (const renditions of usable.values()) {
    const names = [...renditions.keys()];
    common = common === undefined ? names : common.filter((name) => names.includes(name));
  }
  const renditions = (common ?? []).sort(compareRenditions);
  const recorded: RecordedSession[] = [];
  const trimmed: number[] = [];
  for (const [session, byRendition] of [...usable].sort(([a], [b]) => a - b)) {
    const sets = renditions.map((name) => byRendition.get(name) ?? new Set<number>());
    const [first = new Set<number>(), ...rest] = sets;
    const kept = [...first].filter((n) => rest.every((set) => set.has(n))).sort((a, b) => a - b);
    if (kept.length === 0) continue;
    const pieces: SegmentPiece[] = [];
    for (const n of kept) {
      const last = pieces.at(-1);
      if (last !== undefined && n === last.last + 1)
        pieces[pieces.length - 1] = { first: last.first, last: n };
      else pieces.push({ first: n, last: n });
    }
    const highest = Math.max(...sets.map((set) => Math.max(...set)));
    if (pieces.length > 1 || (pieces[0] as SegmentPiece).first !== 1 || kept.length !== highest) {
      trimmed.push(session);
    }
    recorded.push({ session, pieces, segmentCount: kept.length });
  }
  return { renditions: recorded.length > 0 ? renditions : [], sessions: recorded, trimmed };
}

/** `720p` before `480p` before `360p` (tallest first, as the ladder lists them); others by name. */
function compareRenditions(a: string, b: string): number {
  const height = (name: string) => Number(/^([0-9]+)p$/.exec(name)?.[1] ?? -1);
  return height(b) - height(a) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Consecutive sessions whose init segments are byte-identical in every rendition (the same
 * encoder settings) form one group, remuxed as one continuous run; a group starts wherever any
 * rendition's init changes (a restarted encoder with other settings, another worker's ffmpeg).
 * `initsOf(session)` gives each rendition's init digest in the plan's rendition order.
 */
export function groupSessions<T extends { readonly session: number }>(
  sessions: readonly T[],
  initsOf: (session: number) => readonly string[],
): T[][] {
  const groups: T[][] = [];
  let previous: readonly string[] | undefined;
  for (const session of sessions) {
    const inits = initsOf(session.session);
    const same =
      previous !== undefined &&
      previous.length === inits.length &&
      previous.every((digest, index) => digest === inits[index]);
    if (same) (groups.at(-1) as T[]).push(session);
    else groups.push([session]);
    previous = inits;
  }
  return groups;
}
