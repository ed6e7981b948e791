import { playbackUrlsFromConfig } from '#shared/cdn/cdn-from-config.ts';
import { createPool } from '#shared/db/pool.ts';
import { NotFoundError } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import { parseJsonBody, validate } from '#shared/runtime/api.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { requirePrincipal, requireScope } from '#shared/runtime/principal.ts';
import { objectStoreFromConfig } from '#shared/storage/s3-object-store.ts';
import { findOrgVideo, insertVideo, listOrgVideos } from '#shared/video/video-repository.ts';
import { loadVideosConfig } from './config.ts';
import { videosManifest } from './manifest.ts';
import { presentVideo } from './present.ts';
import { createVideoSchema, listQuerySchema, videoIdSchema } from './schema.ts';

const config = loadVideosConfig();
const pool = createPool(config.MYSQL_URL);
const store = objectStoreFromConfig(config);
const urls = playbackUrlsFromConfig(config);
const ttl = config.PLAYBACK_URL_TTL_SECONDS;

export const handler = httpFunction(videosManifest, () => ({
  createVideo: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'videos:write');
    const input = parseJsonBody(req, createVideoSchema);
    const id = newId();
    await insertVideo(pool, {
      id,
      orgId: principal.orgId,
      title: input.title,
      contentType: input.contentType,
      declaredBytes: input.sizeBytes,
    });
    const video = await findOrgVideo(pool, principal.orgId, id);
    if (!video) throw new Error('video vanished after insert');
    const upload = await store.presignPut(config.RAW_VIDEO_BUCKET, video.sourceKey, {
      contentType: input.contentType,
      contentLength: input.sizeBytes,
      expiresInSeconds: config.UPLOAD_URL_TTL_SECONDS,
    });
    res
      .status(201)
      .location(`/v1/videos/${id}`)
      .set('Cache-Control', 'private, no-store')
      .json({
        ...presentVideo(video, urls, ttl),
        upload: {
          url: upload.url,
          method: upload.method,
          headers: upload.headers,
          expiresAt: upload.expiresAt.toISOString(),
        },
      });
  },

  listVideos: async (req, res) => {
    const principal = requirePrincipal(req);
    const query = validate(listQuerySchema, req.query, 'query');
    const page = await listOrgVideos(pool, principal.orgId, {
      limit: query.limit,
      ...(query.cursor ? { before: query.cursor } : {}),
      ...(query.status ? { status: query.status } : {}),
    });
    res
      .set('Cache-Control', 'private, no-store')
      .json({ items: page.items.map((v) => presentVideo(v, urls, ttl)), nextCursor: page.next });
  },

  getVideo: async (req, res) => {
    const principal = requirePrincipal(req);
    const id = validate(videoIdSchema, req.params.id, 'path');
    const video = await findOrgVideo(pool, principal.orgId, id);
    if (!video) throw new NotFoundError(`No video ${id}`);
    res.set('Cache-Control', 'private, no-store').json(presentVideo(video, urls, ttl));
  },
}));
