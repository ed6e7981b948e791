import { gunzipSync } from 'node:zlib';
import { videoStats } from '#shared/cdn/view-stats-repository.ts';
import { dayRangeQuerySchema } from '#shared/day-range.ts';
import { createPool } from '#shared/db/pool.ts';
import { NotFoundError, PayloadTooLargeError, UnauthorizedError, ValidationError } from '#shared/errors.ts';
import { type ApiRequest, validate } from '#shared/runtime/api.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { requirePrincipal, requireScope } from '#shared/runtime/principal.ts';
import { findOrgVideo } from '#shared/video/video-repository.ts';
import { challengeBody } from './challenge.ts';
import { loadCdnLogsConfig } from './config.ts';
import { ingestBatch } from './ingest.ts';
import { cdnLogsManifest } from './manifest.ts';
import { MAX_LOG_BATCH_BYTES, videoIdSchema } from './schema.ts';
import { isLogSecret, LOG_SECRET_HEADER } from './secret.ts';

const config = loadCdnLogsConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 2 });
const challenge = challengeBody(config.FASTLY_SERVICE_IDS);

export const handler = httpFunction(cdnLogsManifest, () => ({
  getFastlyLoggingChallenge: (_req, res) => {
    res.type('text/plain; charset=utf-8').set('Cache-Control', 'no-store').send(challenge);
  },

  ingestCdnLogs: async (req, res) => {
    const presented = req.headers[LOG_SECRET_HEADER];
    if (!isLogSecret(Array.isArray(presented) ? presented[0] : presented, config.CDN_LOG_SECRET)) {
      throw new UnauthorizedError(`Send the log secret in the ${LOG_SECRET_HEADER} header`);
    }
    const summary = await ingestBatch(pool, config.CDN_VIEWER_SALT, boundedBody(req));
    res.set('Cache-Control', 'no-store').json(summary);
  },

  getVideoCdnStats: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'videos:read', 'videos:write');
    const id = validate(videoIdSchema, req.params.id, 'path');
    const range = validate(dayRangeQuerySchema, req.query, 'query');
    const video = await findOrgVideo(pool, principal.orgId, id);
    if (!video) throw new NotFoundError(`No video ${id}`);
    const stats = await videoStats(pool, id, range.from, range.to);
    res.set('Cache-Control', 'private, no-store').json({ videoId: id, ...range, ...stats });
  },
}));

/** The batch, gunzipped when Fastly compresses it, refused past MAX_LOG_BATCH_BYTES either way. */
function boundedBody(req: ApiRequest): Buffer {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_LOG_BATCH_BYTES || req.rawBody.length > MAX_LOG_BATCH_BYTES) {
    throw new PayloadTooLargeError(`A log batch is limited to ${MAX_LOG_BATCH_BYTES} bytes`);
  }
  if (!/^\s*gzip\s*$/i.test(String(req.headers['content-encoding'] ?? ''))) return req.rawBody;
  try {
    return gunzipSync(req.rawBody, { maxOutputLength: MAX_LOG_BATCH_BYTES });
  } catch (cause) {
    if ((cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PayloadTooLargeError(`A log batch is limited to ${MAX_LOG_BATCH_BYTES} bytes unpacked`, {
        cause,
      });
    }
    throw new ValidationError('The body is not valid gzip', { cause });
  }
}
