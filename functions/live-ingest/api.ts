import { z } from 'zod';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import { allRefusals, refusal } from './errors.ts';
import { doneResponse, publishPlanResponse, updateAcceptedResponse } from './responses.ts';
import { authorizeSchema, doneSchema, streamIdSchema, updateSchema } from './schema.ts';

const byId = z.object({ id: streamIdSchema });

/** The live-ingest routes' contracts by operation id: the API reference's source. Agents only (`live:ingest`). */
export const contracts = {
  authorizeLivePublish: {
    summary: 'The publish gate: a stream key → the stream, its session and ladder plan, or a stable refusal',
    description:
      'Atomically moves the stream from idle or reconnecting to starting with the next session number; of two concurrent publishes exactly one is allowed, the other gets `already-live`.',
    body: authorizeSchema,
    responses: { 200: { description: 'The publish plan', schema: publishPlanResponse } },
    problems: () => [
      refusal('unknown-key', ''),
      refusal('already-live', ''),
      refusal('stream-ended', ''),
      refusal('show-cancelled', ''),
      refusal('max-duration', ''),
      refusal('asset-deleted', ''),
    ],
  },
  updateLivePublish: {
    summary: 'The agent’s heartbeat for a session; a refusal means: cut the publisher now',
    params: byId,
    body: updateSchema,
    responses: { 200: { description: 'Carry on', schema: updateAcceptedResponse } },
    problems: allRefusals,
  },
  finishLivePublish: {
    summary: 'The session’s publisher left: the stream waits for a reconnect, or ends when it was cut',
    description: 'Fenced by `session`: a superseded session’s done changes nothing (200 anyway).',
    params: byId,
    body: doneSchema,
    responses: { 200: { description: 'The stream’s status afterwards', schema: doneResponse } },
    problems: () => [refusal('unknown-stream', '')],
  },
} satisfies RouteContracts;
