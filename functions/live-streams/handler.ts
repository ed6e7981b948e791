import { QUEUES } from '#events/queues.ts';
import { createPool } from '#shared/db/pool.ts';
import { NotFoundError } from '#shared/errors.ts';
import {
  createLiveStream,
  findOrgStream,
  type LiveDeps,
  listOrgStreams,
  requestEnd,
  rotateStreamKey,
} from '#shared/live/live-stream-repository.ts';
import { workQueueFromConfig } from '#shared/queue/queue-from-config.ts';
import { parseJsonBody, validate } from '#shared/runtime/api.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { requirePrincipal, requireScope } from '#shared/runtime/principal.ts';
import { loadLiveStreamsConfig } from './config.ts';
import { showCancelled, showHasVideo, streamEnded } from './errors.ts';
import { liveStreamsManifest } from './manifest.ts';
import { type IngestUrls, presentStream, presentStreamWithKey } from './present.ts';
import { createStreamSchema, listQuerySchema, MAX_CREATE_BODY_BYTES, streamIdSchema } from './schema.ts';

const config = loadLiveStreamsConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 2 });
const deps: LiveDeps = {
  pool,
  queue: workQueueFromConfig(config, QUEUES.transcode, pool),
  updateIntervalSeconds: config.LIVE_UPDATE_INTERVAL_SECONDS,
};
const urls: IngestUrls = {
  rtmp: config.LIVE_RTMP_URL,
  rtmps: config.LIVE_RTMPS_URL,
  whip: config.LIVE_WHIP_URL,
};
const READ_SCOPES = ['videos:read', 'videos:write'];

export const handler = httpFunction(liveStreamsManifest, () => ({
  createLiveStream: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'videos:write');
    const input = parseJsonBody(req, createStreamSchema, MAX_CREATE_BODY_BYTES);
    const created = await createLiveStream(pool, { orgId: principal.orgId, ...input });
    if (created.outcome === 'show-missing') throw new NotFoundError(`No show ${input.showId}`);
    if (created.outcome === 'show-has-video') throw showHasVideo();
    if (created.outcome === 'show-cancelled') throw showCancelled();
    res
      .status(201)
      .location(`/v1/live-streams/${created.stream.id}`)
      .set('Cache-Control', 'private, no-store')
      .json(presentStreamWithKey(created.stream, urls, created.key.plaintext));
  },

  listLiveStreams: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, ...READ_SCOPES);
    const query = validate(listQuerySchema, req.query, 'query');
    const page = await listOrgStreams(pool, principal.orgId, { limit: query.limit, before: query.cursor });
    res
      .set('Cache-Control', 'private, no-store')
      .json({ items: page.items.map((stream) => presentStream(stream, urls)), nextCursor: page.next });
  },

  getLiveStream: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, ...READ_SCOPES);
    const id = validate(streamIdSchema, req.params.id, 'path');
    const stream = await findOrgStream(pool, principal.orgId, id);
    if (!stream) throw new NotFoundError(`No live stream ${id}`);
    res.set('Cache-Control', 'private, no-store').json(presentStream(stream, urls));
  },

  rotateLiveStreamKey: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'videos:write');
    const id = validate(streamIdSchema, req.params.id, 'path');
    const rotated = await rotateStreamKey(pool, principal.orgId, id);
    if (rotated.outcome === 'missing') throw new NotFoundError(`No live stream ${id}`);
    if (rotated.outcome === 'ended') throw streamEnded();
    res
      .set('Cache-Control', 'private, no-store')
      .json(presentStreamWithKey(rotated.stream, urls, rotated.key.plaintext));
  },

  endLiveStream: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'videos:write');
    const id = validate(streamIdSchema, req.params.id, 'path');
    const ended = await requestEnd(deps, principal.orgId, id);
    if (ended.outcome === 'missing') throw new NotFoundError(`No live stream ${id}`);
    res.set('Cache-Control', 'private, no-store').json(presentStream(ended.stream, urls));
  },
}));
