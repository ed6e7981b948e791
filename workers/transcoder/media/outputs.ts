import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { type MediaPlaylist, parseMediaPlaylist } from '#shared/video/hls-playlist.ts';
import { isSafeRelativeKey } from '#shared/video/media-layout.ts';
import type { Rendition } from '#shared/video/transcode-manifest.ts';
import { codecsAttribute, codecsFromInitSegment } from './codecs.ts';
import { TranscodeOutputError } from './errors.ts';
import { POSTER_NAME, THUMBNAIL_FOLDER } from './ffmpeg-args.ts';
import type { MediaTools } from './ffmpeg-run.ts';
import { ffprobeJson, parseRational } from './ffprobe-json.ts';
import type { Plan } from './ladder.ts';

export interface OutputFile {
  readonly key: string;
  readonly bytes: number;
}

export interface InspectedOutputs {
  readonly renditions: Rendition[];
  readonly thumbnailKeys: string[];
  readonly files: OutputFile[];
}

const INIT_NAME = 'init.mp4';

/**
 * Reads back what ffmpeg wrote: each rendition's playlist, init segment and segments, its real
 * size, frame rate and codecs, and whether it covers the source's duration. Nothing here
 * trusts the plan: a rung that came out wrong fails the attempt before upload.
 */
export async function inspectOutputs(input: {
  workDir: string;
  plan: Plan;
  tools: MediaTools;
  signal?: AbortSignal;
}): Promise<InspectedOutputs> {
  const { workDir, plan } = input;
  const renditions: Rendition[] = [];
  const targets =
    plan.mode === 'ladder'
      ? plan.rungs.map((rung) => ({ ...rung, expectSize: true }))
      : [{ ...plan.rendition, expectSize: false }];
  for (const target of targets) {
    const folder = join(workDir, target.name);
    await normaliseInitSegment(folder, target.name);
    const playlistText = await readFile(join(folder, 'index.m3u8'), 'utf8').catch((error: unknown) => {
      throw new TranscodeOutputError(`rendition ${target.name} has no playlist`, { cause: error });
    });
    const playlist = readPlaylist(target.name, playlistText);
    await checkPlaylist(folder, target.name, playlist, plan.source.durationSeconds);

    const probed = await ffprobeJson(input.tools, join(folder, 'index.m3u8'), { signal: input.signal });
    const video = probed.streams.find((stream) => stream.codec_type === 'video');
    const width = video?.width ?? 0;
    const height = video?.height ?? 0;
    if (target.expectSize && (width !== target.width || height !== target.height)) {
      throw new TranscodeOutputError(
        `rendition ${target.name} is ${width}x${height}, expected ${target.width}x${target.height}`,
      );
    }
    const frameRate =
      parseRational(video?.avg_frame_rate) ??
      parseRational(video?.r_frame_rate) ??
      (plan.mode === 'ladder' ? plan.frameRate : plan.rendition.frameRate);
    const codecs = codecsFromInitSegment(await readFile(join(folder, INIT_NAME)));
    if (codecs.video === null || (plan.hasAudio && codecs.audio === null)) {
      throw new TranscodeOutputError(`rendition ${target.name}: init segment lacks its codec configuration`);
    }
    renditions.push({
      name: target.name,
      playlist: `${target.name}/index.m3u8`,
      width,
      height,
      frameRate: Math.round(frameRate * 1000) / 1000,
      codecs: codecsAttribute(codecs),
      videoBitrate: Math.max(1, Math.round(target.videoBitrate)),
      audioBitrate: plan.hasAudio ? target.audioBitrate : 0,
    });
  }

  const posterBytes = await stat(join(workDir, POSTER_NAME)).then(
    (info) => info.size,
    () => 0,
  );
  if (posterBytes === 0) throw new TranscodeOutputError('no poster image was written');
  const files = await listFiles(workDir);
  return {
    renditions,
    thumbnailKeys: files
      .map((file) => file.key)
      .filter((key) => key.startsWith(`${THUMBNAIL_FOLDER}/`) && key.endsWith('.jpg')),
    files,
  };
}

/** ffmpeg 5.1 names a variant's init segment `init_<variant>.mp4`; the layout wants `init.mp4`. */
async function normaliseInitSegment(folder: string, rendition: string): Promise<void> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const init = names.filter((name) => /^init.*\.mp4$/.test(name));
  if (init.length !== 1) {
    throw new TranscodeOutputError(`rendition ${rendition} has ${init.length} init segments, not one`);
  }
  const current = init[0] as string;
  if (current === INIT_NAME) return;
  await rename(join(folder, current), join(folder, INIT_NAME));
  const playlistPath = join(folder, 'index.m3u8');
  await writeFile(playlistPath, withMapUri(await readFile(playlistPath, 'utf8'), INIT_NAME));
}

/** The same playlist with its EXT-X-MAP pointing at `uri`. */
export function withMapUri(text: string, uri: string): string {
  return text.replace(/^(#EXT-X-MAP:.*URI=")[^"]*(")/m, `$1${uri}$2`);
}

/**
 * The playlist read with the same strict parser vod-package verifies with, so a playlist the
 * transcoder passes cannot be refused later at packaging.
 */
function readPlaylist(name: string, text: string): MediaPlaylist {
  try {
    return parseMediaPlaylist(text);
  } catch (error) {
    throw new TranscodeOutputError(`rendition ${name} has an unreadable playlist`, { cause: error });
  }
}

async function checkPlaylist(
  folder: string,
  name: string,
  playlist: MediaPlaylist,
  sourceSeconds: number,
): Promise<void> {
  // One encoder run: exactly one EXT-X-MAP (`maps` is only set when there are several).
  if (
    !playlist.endList ||
    playlist.segments.length === 0 ||
    playlist.map?.uri !== INIT_NAME ||
    playlist.maps !== undefined
  ) {
    throw new TranscodeOutputError(
      `rendition ${name} has an incomplete playlist (end marker, segments and init.mp4 are all required)`,
    );
  }
  for (const uri of [playlist.map.uri, ...playlist.segments.map((segment) => segment.uri)]) {
    const size = isSafeRelativeKey(uri)
      ? await stat(join(folder, uri)).then(
          (s) => s.size,
          () => 0,
        )
      : 0;
    if (size === 0) {
      throw new TranscodeOutputError(`rendition ${name} names ${uri}, which is missing or empty`);
    }
  }
  const totalSeconds = playlist.segments.reduce((sum, segment) => sum + segment.duration, 0);
  const tolerance = Math.max(1, sourceSeconds * 0.05);
  if (Math.abs(totalSeconds - sourceSeconds) > tolerance) {
    throw new TranscodeOutputError(
      `rendition ${name} produced ${totalSeconds.toFixed(1)} s of a declared ${sourceSeconds.toFixed(1)} s: the source is truncated or corrupt`,
    );
  }
}

/** Every file below `workDir` as a safe relative key with its size, sorted by key. */
export async function listFiles(workDir: string): Promise<OutputFile[]> {
  const entries = await readdir(workDir, { recursive: true, withFileTypes: true });
  const files: OutputFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const key = relative(workDir, path).split(sep).join('/');
    if (!isSafeRelativeKey(key)) {
      throw new TranscodeOutputError(`unexpected output file ${JSON.stringify(key)}`);
    }
    files.push({ key, bytes: (await stat(path)).size });
  }
  return files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
