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

export interface RecordedSession {
  readonly session: number;
  /** Segments 1..count are present and non-empty in every rendition. */
  readonly segmentCount: number;
}

export interface RecordingPlan {
  /** Renditions present in every recorded session, in the order first seen sorted by name. */
  readonly renditions: readonly string[];
  /** Sessions with at least one usable segment, in order; empty sessions are left out. */
  readonly sessions: readonly RecordedSession[];
  /** Sessions whose renditions stop at different segments (a worker killed mid-upload): trimmed. */
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
 * Decides what of sessions 1..`sessions` can be remuxed. A rendition's usable run is its init
 * segment plus segments numbered 1, 2, … up to the first gap or empty object; a session keeps
 * the shortest run among its renditions, so every rendition stays cut at the same instants
 * (vod-package checks that). A rendition missing from a recorded session is left out of the
 * whole recording for the same reason. Objects named any other way are ignored.
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

  const runs = new Map<number, Map<string, number>>();
  for (let session = 1; session <= sessions; session++) {
    const renditions = bySession.get(session);
    if (!renditions) continue;
    const lengths = new Map<string, number>();
    for (const [name, entry] of renditions) {
      let run = 0;
      if (entry.init) while ((entry.segments.get(run + 1) ?? 0) > 0) run += 1;
      if (run > 0) lengths.set(name, run);
    }
    if (lengths.size > 0) runs.set(session, lengths);
  }

  let common: string[] | undefined;
  for (const lengths of runs.values()) {
    const names = [...lengths.keys()];
    common = common === undefined ? names : common.filter((name) => names.includes(name));
  }
  const renditions = (common ?? []).sort(compareRenditions);
  const recorded: RecordedSession[] = [];
  const trimmed: number[] = [];
  for (const [session, lengths] of [...runs].sort(([a], [b]) => a - b)) {
    const counts = renditions.map((name) => lengths.get(name) ?? 0);
    const segmentCount = Math.min(...counts);
    if (segmentCount <= 0) continue;
    if (Math.max(...counts) !== segmentCount) trimmed.push(session);
    recorded.push({ session, segmentCount });
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
