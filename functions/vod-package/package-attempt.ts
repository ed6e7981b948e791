import type { CdnPurger } from '#shared/cdn/cdn.ts';
import { type DbPool, withTransaction } from '#shared/db/pool.ts';
import { recordRecordingReady } from '#shared/live/live-stream-repository.ts';
import type { EventOutcome } from '#shared/runtime/function.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import {
  assetPrefix,
  attemptPrefix,
  completionManifestKey,
  MASTER_PLAYLIST_NAME,
  surrogateKeyFor,
} from '#shared/video/media-layout.ts';
import { type PublishedRendition, VIDEO_FAILURES } from '#shared/video/video.ts';
import { findVideo, recordFailed, recordReady } from '#shared/video/video-repository.ts';
import { buildMasterPlaylist, masterVariants } from './master-playlist.ts';
import { PackagingRejectedError } from './packaging-rejected.ts';
import { readManifest } from './read-manifest.ts';
import { verifyRenditions } from './verify-renditions.ts';

export interface PackageDeps {
  readonly pool: DbPool;
  readonly store: ObjectStore;
  readonly cdn: CdnPurger;
  readonly bucket: string;
  readonly log: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;
}

/**
 * Publishes one transcoding attempt. Nothing points at the attempt until every object its
 * playlists name has been checked; the master playlist is written before the asset is marked
 * ready, and the CDN is purged before that, so a player never sees a playlist with a missing
 * segment or a cached 404 for the new master. Redeliveries and superseded attempts change nothing.
 */
export async function packageAttempt(
  deps: PackageDeps,
  target: { assetId: string; attempt: number },
): Promise<EventOutcome> {
  const { assetId, attempt } = target;
  const video = await findVideo(deps.pool, assetId);
  if (!video) return { status: 'ignored', reason: `no video ${assetId}` };
  if (video.attempt !== attempt) {
    if (video.status === 'ready' || video.status === 'failed') await removeAttempt(deps, assetId, attempt);
    return { status: 'ignored', reason: `attempt ${attempt} was superseded by ${video.attempt}` };
  }
  if (video.status === 'ready' || video.status === 'failed') return { status: 'duplicate' };
  if (video.status !== 'transcoding' && video.status !== 'packaging') {
    return { status: 'ignored', reason: `the video is ${video.status}` };
  }

  const prefix = attemptPrefix(assetId, attempt);
  try {
    const manifest = await readManifest(
      deps.store,
      deps.bucket,
      completionManifestKey(assetId, attempt),
      target,
    );
    if (!manifest) return { status: 'ignored', reason: 'the manifest is gone' };
    const figures = await verifyRenditions({
      store: deps.store,
      bucket: deps.bucket,
      attemptPrefix: prefix,
      manifest,
    });
    let master: string;
    try {
      master = buildMasterPlaylist(manifest, figures);
    } catch (err) {
      // The manifest's values cannot form a valid master (a codecs string, a size): the attempt is bad.
      throw new PackagingRejectedError('manifest_invalid', `no valid master playlist: ${String(err)}`, {
        cause: err,
      });
    }
    await deps.store.put(deps.bucket, `${prefix}${MASTER_PLAYLIST_NAME}`, Buffer.from(master), {
      contentType: 'application/vnd.apple.mpegurl',
    });
    // Nothing of this asset can be cached yet unless an earlier attempt was published (tokens are
    // only handed out once ready), so a failed purge is worth a warning, not a stuck video.
    await deps.cdn.purgeSurrogateKey(surrogateKeyFor(assetId)).catch((err: unknown) => {
      deps.log('warn', 'CDN purge failed', { assetId, error: err });
    });
    const variants = masterVariants(manifest, figures);
    const renditions: PublishedRendition[] = manifest.renditions.map((rendition, index) => ({
      name: rendition.name,
      playlist: rendition.playlist,
      width: rendition.width,
      height: rendition.height,
      frameRate: rendition.frameRate,
      codecs: rendition.codecs,
      bandwidth: variants[index]?.bandwidth ?? 0,
      averageBandwidth: variants[index]?.averageBandwidth ?? 0,
      segments: figures.find((f) => f.name === rendition.name)?.segmentCount ?? 0,
    }));
    const published = await withTransaction(deps.pool, async (connection) => {
      const ready = await recordReady(connection, assetId, attempt, {
        mediaPrefix: prefix,
        renditions,
        posterKey: `${prefix}${manifest.poster}`,
        durationSeconds: manifest.source.durationSeconds,
        mode: manifest.mode,
      });
      // A live stream's recording: `live.recording_ready` in the same transaction, so exactly once.
      if (ready && video.origin === 'live') {
        await recordRecordingReady(connection, assetId, {
          attempt,
          mediaPrefix: prefix,
          durationSeconds: manifest.source.durationSeconds,
        });
      }
      return ready;
    });
    if (!published) return { status: 'duplicate' };
    await removeOtherAttempts(deps, assetId, attempt);
    deps.log('info', 'video ready', { assetId, attempt, renditions: renditions.map((r) => r.name) });
    return { status: 'processed', detail: { assetId, attempt, renditions: renditions.length } };
  } catch (err) {
    if (!(err instanceof PackagingRejectedError)) throw err;
    const failed = await withTransaction(deps.pool, (connection) =>
      recordFailed(connection, assetId, {
        code: VIDEO_FAILURES.packagingRejected,
        reason: `Packaging refused attempt ${attempt} (${err.code}): ${err.message}`,
        attempt,
      }),
    );
    deps.log('warn', 'packaging refused', { assetId, attempt, code: err.code, reason: err.message });
    return failed ? { status: 'rejected', reason: err.message } : { status: 'duplicate' };
  }
}

/** Outputs of attempts that lost (a worker presumed dead that finished anyway) are deleted. */
async function removeOtherAttempts(deps: PackageDeps, assetId: string, keep: number): Promise<void> {
  const keepPrefix = attemptPrefix(assetId, keep);
  try {
    const objects = await deps.store.list(deps.bucket, assetPrefix(assetId));
    for (const object of objects) {
      if (!object.key.startsWith(keepPrefix)) await deps.store.delete(deps.bucket, object.key);
    }
  } catch (err) {
    // Left for the next superseded manifest or an operator; the published attempt is unaffected.
    deps.log('warn', 'could not remove superseded attempts', { assetId, error: err });
  }
}

async function removeAttempt(deps: PackageDeps, assetId: string, attempt: number): Promise<void> {
  const prefix = attemptPrefix(assetId, attempt);
  const objects = await deps.store.list(deps.bucket, prefix);
  for (const object of objects) await deps.store.delete(deps.bucket, object.key);
}
