import type { Readable } from 'node:stream';
import {
  type ObjectHead,
  ObjectNotFoundError,
  ObjectStorageError,
  type ObjectStore,
} from '#shared/storage/object-store.ts';
import {
  initSections,
  MAX_PLAYLIST_BYTES,
  type MediaPlaylist,
  PlaylistParseError,
  parseMediaPlaylist,
} from '#shared/video/hls-playlist.ts';
import { isSafeRelativeKey, MASTER_PLAYLIST_NAME } from '#shared/video/media-layout.ts';
import type { Rendition, TranscodeManifest } from '#shared/video/transcode-manifest.ts';
import { forEachBounded } from './bounded-concurrency.ts';
import { PackagingRejectedError, type PackagingRejectionCode } from './packaging-rejected.ts';
import { averageSegmentBitrate, peakSegmentBitrate, type SizedSegment } from './segment-bitrates.ts';

/** Parallel HEAD requests while checking the listed files. */
export const HEAD_CONCURRENCY = 16;
/** Ladder rungs must cut their segments at the same instants, give or take this. */
export const ALIGNMENT_TOLERANCE_SECONDS = 0.1;

export interface VerifyRenditionsInput {
  readonly store: ObjectStore;
  readonly bucket: string;
  /** The attempt folder, `videos/<assetId>/v<attempt>/`; every key in the manifest is relative to it. */
  readonly attemptPrefix: string;
  readonly manifest: TranscodeManifest;
}

/** What one rendition measured once its objects were checked. Bit rates in bits/s. */
export interface RenditionFigures {
  readonly name: string;
  readonly playlist: string;
  readonly segmentCount: number;
  readonly durationSeconds: number;
  readonly targetDurationSeconds: number;
  /** Bytes of its init segments (one, or one per encoder run of a recorded live show). */
  readonly initBytes: number;
  /** Every media segment's bytes (the init segment not included). */
  readonly mediaBytes: number;
  /** Segment end times from the start, for comparing rungs. */
  readonly boundaries: readonly number[];
  readonly peakBitrate: number;
  readonly averageBitrate: number;
}

type FileRole = 'playlist' | 'init' | 'segment' | 'poster' | 'thumbnail' | 'other';

const MISSING_CODE: Record<FileRole, PackagingRejectionCode> = {
  playlist: 'playlist_missing',
  init: 'init_missing',
  segment: 'segment_missing',
  poster: 'poster_missing',
  thumbnail: 'thumbnail_missing',
  other: 'file_missing',
};

/**
 * Checks an attempt's outputs before anything points at them: every rendition's playlist is a
 * complete fMP4 VOD whose init segment and segments were all uploaded, durations agree with the
 * source, ladder rungs are cut at the same instants, and every file the manifest lists exists with
 * exactly its listed size. Throws PackagingRejectedError on the first definitive fault; storage
 * failures propagate unchanged so the event is retried.
 */
export async function verifyRenditions(input: VerifyRenditionsInput): Promise<RenditionFigures[]> {
  const { manifest } = input;
  const files = indexFiles(manifest);
  const roles = new Map<string, FileRole>();
  checkStills(manifest, files, roles);

  const playlists = await Promise.all(
    manifest.renditions.map((rendition) => fetchPlaylist(input, files, rendition)),
  );
  const figures = manifest.renditions.map((rendition, index) =>
    checkRendition(manifest, rendition, playlists[index] as MediaPlaylist, files, roles),
  );
  if (manifest.mode === 'ladder') checkAlignment(figures);

  await forEachBounded(manifest.files, HEAD_CONCURRENCY, async (file) => {
    const head = await input.store.head(input.bucket, `${input.attemptPrefix}${file.key}`);
    checkHead(file, head, roles.get(file.key) ?? 'other');
  });
  return figures;
}

function indexFiles(manifest: TranscodeManifest): Map<string, number> {
  const files = new Map<string, number>();
  for (const file of manifest.files) {
    if (files.has(file.key)) throw rejected('manifest_invalid', `${file.key} is listed twice`, file.key);
    if (file.key === MASTER_PLAYLIST_NAME) {
      // vod-package alone writes the master, after verifying; one written earlier would be public too soon.
      throw rejected('manifest_invalid', `${file.key} is written by packaging, not by the worker`, file.key);
    }
    files.set(file.key, file.bytes);
  }
  const names = new Set(manifest.renditions.map((rendition) => rendition.name));
  const playlists = new Set(manifest.renditions.map((rendition) => rendition.playlist));
  if (names.size !== manifest.renditions.length || playlists.size !== manifest.renditions.length) {
    throw rejected('manifest_invalid', 'two renditions share a name or a playlist', undefined);
  }
  return files;
}

function checkStills(
  manifest: TranscodeManifest,
  files: Map<string, number>,
  roles: Map<string, FileRole>,
): void {
  if (!(files.get(manifest.poster) ?? 0)) {
    throw rejected('poster_missing', `poster ${manifest.poster} is not listed or is empty`, manifest.poster);
  }
  roles.set(manifest.poster, 'poster');
  for (const key of manifest.thumbnails.keys) {
    if (!(files.get(key) ?? 0)) {
      throw rejected('thumbnail_missing', `thumbnail ${key} is not listed or is empty`, key);
    }
    roles.set(key, 'thumbnail');
  }
}

async function fetchPlaylist(
  input: VerifyRenditionsInput,
  files: Map<string, number>,
  rendition: Rendition,
): Promise<MediaPlaylist> {
  const key = rendition.playlist;
  const listedBytes = files.get(key);
  if (listedBytes === undefined) {
    throw rejected('playlist_missing', `rendition ${rendition.name}: playlist ${key} is not listed`, key);
  }
  if (listedBytes > MAX_PLAYLIST_BYTES) {
    throw rejected('playlist_malformed', `${key} is ${listedBytes} bytes, over ${MAX_PLAYLIST_BYTES}`, key);
  }
  let body: Readable;
  try {
    ({ body } = await input.store.get(input.bucket, `${input.attemptPrefix}${key}`));
  } catch (error) {
    if (error instanceof ObjectNotFoundError && error.key !== undefined) {
      throw rejected('playlist_missing', `playlist ${key} does not exist`, key, error);
    }
    throw error;
  }
  const bytes = await readAtMost(body, MAX_PLAYLIST_BYTES, key);
  if (bytes === undefined) {
    throw rejected('playlist_malformed', `${key} is over ${MAX_PLAYLIST_BYTES} bytes`, key);
  }
  if (bytes.byteLength !== listedBytes) {
    throw rejected('size_mismatch', `${key} is ${bytes.byteLength} bytes, listed as ${listedBytes}`, key);
  }
  try {
    return parseMediaPlaylist(bytes);
  } catch (error) {
    if (error instanceof PlaylistParseError) {
      throw rejected('playlist_malformed', `${key}: ${error.message}`, key, error);
    }
    throw error;
  }
}

/** The body, or undefined when it is longer than `limit` (the rest is not read). */
async function readAtMost(body: Readable, limit: number, key: string): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      total += buffer.byteLength;
      if (total > limit) {
        body.destroy();
        return undefined;
      }
      chunks.push(buffer);
    }
  } catch (error) {
    throw new ObjectStorageError(`Reading ${key} from object storage failed`, { cause: error });
  }
  return Buffer.concat(chunks);
}

function checkRendition(
  manifest: TranscodeManifest,
  rendition: Rendition,
  playlist: MediaPlaylist,
  files: Map<string, number>,
  roles: Map<string, FileRole>,
): RenditionFigures {
  const key = rendition.playlist;
  roles.set(key, 'playlist');
  if (!playlist.endList || playlist.playlistType === 'EVENT') {
    throw rejected('playlist_not_vod', `${key} is not a finished VOD playlist (no #EXT-X-ENDLIST)`, key);
  }
  if (playlist.segments.length === 0) throw rejected('playlist_malformed', `${key} has no segments`, key);
  const maps = initSections(playlist);
  if (maps[0]?.firstSegment !== 0) {
    throw rejected('init_missing', `${key} has no #EXT-X-MAP init segment before its first segment`, key);
  }

  // A recorded live show may join runs of different encoders: each run names its own init segment.
  let initBytes = 0;
  for (const map of maps) {
    const initKey = resolveUri(key, map.uri);
    const bytes = files.get(initKey);
    if (!bytes) {
      throw rejected('init_missing', `${key}: init segment ${initKey} is not listed or is empty`, initKey);
    }
    roles.set(initKey, 'init');
    initBytes += bytes;
  }

  const sized: SizedSegment[] = [];
  const boundaries: number[] = [];
  let elapsed = 0;
  for (const segment of playlist.segments) {
    const segmentKey = resolveUri(key, segment.uri);
    const bytes = files.get(segmentKey);
    if (bytes === undefined) {
      throw rejected('segment_missing', `${key}: segment ${segmentKey} is not listed`, segmentKey);
    }
    if (bytes === 0) throw rejected('segment_empty', `${key}: segment ${segmentKey} is empty`, segmentKey);
    roles.set(segmentKey, 'segment');
    sized.push({ duration: segment.duration, bytes });
    elapsed += segment.duration;
    boundaries.push(elapsed);
  }

  const expected = manifest.source.durationSeconds;
  if (Math.abs(elapsed - expected) > Math.max(1, 0.05 * expected)) {
    throw rejected(
      'duration_mismatch',
      `${key} lasts ${elapsed.toFixed(3)} s but the source lasts ${expected.toFixed(3)} s`,
      key,
    );
  }

  return {
    name: rendition.name,
    playlist: key,
    segmentCount: sized.length,
    durationSeconds: elapsed,
    targetDurationSeconds: playlist.targetDuration,
    initBytes,
    mediaBytes: sized.reduce((sum, segment) => sum + segment.bytes, 0),
    boundaries,
    peakBitrate: peakSegmentBitrate(sized, playlist.targetDuration),
    averageBitrate: averageSegmentBitrate(sized),
  };
}

/**
 * A URI from a playlist, as a key relative to the attempt folder. Only plain relative names are
 * accepted (no scheme, no leading slash, no `.`/`..`), so a playlist can only name objects below
 * its own folder.
 */
function resolveUri(playlistKey: string, uri: string): string {
  const folder = playlistKey.slice(0, playlistKey.lastIndexOf('/') + 1);
  const key = `${folder}${uri}`;
  if (!isSafeRelativeKey(uri) || !isSafeRelativeKey(key)) {
    throw rejected(
      'unsafe_uri',
      `${playlistKey} references "${uri}", which is not a plain relative path`,
      playlistKey,
    );
  }
  return key;
}

function checkAlignment(figures: readonly RenditionFigures[]): void {
  const [reference, ...others] = figures;
  if (reference === undefined) return;
  for (const other of others) {
    if (other.segmentCount !== reference.segmentCount) {
      throw rejected(
        'renditions_misaligned',
        `${other.playlist} has ${other.segmentCount} segments, ${reference.playlist} has ${reference.segmentCount}`,
        other.playlist,
      );
    }
    other.boundaries.forEach((boundary, index) => {
      const expected = reference.boundaries[index] as number;
      if (Math.abs(boundary - expected) > ALIGNMENT_TOLERANCE_SECONDS) {
        throw rejected(
          'renditions_misaligned',
          `${other.playlist} segment ${index + 1} ends at ${boundary.toFixed(3)} s, ` +
            `${reference.playlist} at ${expected.toFixed(3)} s`,
          other.playlist,
        );
      }
    });
  }
}

function checkHead(file: { key: string; bytes: number }, head: ObjectHead | undefined, role: FileRole): void {
  if (head === undefined) throw rejected(MISSING_CODE[role], `${role} ${file.key} does not exist`, file.key);
  if (head.size !== file.bytes) {
    throw rejected('size_mismatch', `${file.key} is ${head.size} bytes, listed as ${file.bytes}`, file.key);
  }
}

function rejected(
  code: PackagingRejectionCode,
  reason: string,
  objectKey: string | undefined,
  cause?: unknown,
): PackagingRejectedError {
  return new PackagingRejectedError(code, reason, { objectKey, cause });
}
