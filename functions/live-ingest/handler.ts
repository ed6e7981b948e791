import { QUEUES } from '#events/queues.ts';
import { log } from '#shared/base/log.ts';
import { createPool } from '#shared/db/pool.ts';
import { ForbiddenError } from '#shared/errors.ts';
import { publishVerdict } from '#shared/live/live-stream.ts';
import {
  claimPublishSession,
  findStreamForKey,
  type LiveDeps,
  recordAgentUpdate,
  recordPublisherDone,
} from '#shared/live/live-stream-repository.ts';
import { isStreamKeyShape } from '#shared/live/stream-key.ts';
import { workQueueFromConfig } from '#shared/queue/queue-from-config.ts';
import { parseJsonBody, validate } from '#shared/runtime/api.ts';
import type { Principal } from '#shared/runtime/auth-context.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { requirePrincipal } from '#shared/runtime/principal.ts';
import { loadLiveIngestConfig } from './config.ts';
import { refusal } from './errors.ts';
import { liveIngestManifest } from './manifest.ts';
import { publishPlan } from './plan.ts';
import {
  authorizeSchema,
  doneSchema,
  MAX_INGEST_BODY_BYTES,
  streamIdSchema,
  updateSchema,
} from './schema.ts';

const config = loadLiveIngestConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 4 });
const deps: LiveDeps = {
  pool,
  queue: workQueueFromConfig(config, QUEUES.transcode, pool),
  updateIntervalSeconds: config.LIVE_UPDATE_INTERVAL_SECONDS,
};

/** Only the agents' own scope: these routes admit any organisation's stream keys. */
function requireAgent(principal: Principal): void {
  if (!principal.scopes.includes('live:ingest')) throw new ForbiddenError('Requires the scope live:ingest');
}

export const handler = httpFunction(liveIngestManifest, () => ({
  authorizeLivePublish: async (req, res) => {
    requireAgent(requirePrincipal(req));
    const input = parseJsonBody(req, authorizeSchema, MAX_INGEST_BODY_BYTES);
    const unknown = () => refusal('unknown-key', 'No stream has this key.');
    // A malformed key costs no lookup; a well-formed one costs one (the unique key-hash index).
    if (!isStreamKeyShape(input.streamKey)) throw unknown();
    const stream = await findStreamForKey(pool, input.streamKey);
    if (!stream) throw unknown();
    const verdict = publishVerdict(stream.facts, deps.updateIntervalSeconds, { workerId: input.workerId });
    if (!verdict.ok) throw refusal(verdict.code, verdict.detail);
    const claim = await claimPublishSession(deps, stream, input.streamKey, {
      workerId: input.workerId,
      protocol: input.protocol,
    });
    if (!claim.ok) throw refusal(claim.code, claim.detail);
    log.info('live publish authorised', {
      streamId: stream.id,
      session: claim.session,
      workerId: input.workerId,
      protocol: input.protocol,
      ...(input.clientIp ? { clientIp: input.clientIp } : {}),
    });
    res
      .set('Cache-Control', 'no-store')
      .json(publishPlan(claim.stream, claim.session, deps.updateIntervalSeconds));
  },

  updateLivePublish: async (req, res) => {
    requireAgent(requirePrincipal(req));
    const id = validate(streamIdSchema, req.params.id, 'path');
    const input = parseJsonBody(req, updateSchema, MAX_INGEST_BODY_BYTES);
    const result = await recordAgentUpdate(pool, id, input);
    if (!result.ok) throw refusal(result.code, result.detail);
    res.set('Cache-Control', 'no-store').json({});
  },

  finishLivePublish: async (req, res) => {
    requireAgent(requirePrincipal(req));
    const id = validate(streamIdSchema, req.params.id, 'path');
    const input = parseJsonBody(req, doneSchema, MAX_INGEST_BODY_BYTES);
    const result = await recordPublisherDone(deps, id, { ...input, segments: input.segments ?? 0 });
    if (!result.found) throw refusal('unknown-stream', `No live stream ${id}`);
    if (result.changed) {
      log.info('live publish done', {
        streamId: id,
        session: input.session,
        reason: input.reason,
        status: result.status,
      });
    }
    res.set('Cache-Control', 'no-store').json({ status: result.status });
  },
}));
