import { z } from 'zod';
import { NotFoundError } from '#shared/errors.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import { showCancelled, showHasVideo, streamEnded } from './errors.ts';
import { liveStreamPageResponse, liveStreamResponse, liveStreamWithKeyResponse } from './responses.ts';
import { createStreamSchema, listQuerySchema, streamIdSchema } from './schema.ts';

const byId = z.object({ id: streamIdSchema });

/** The live-streams routes' contracts by operation id (their manifest names them): the API reference's source. */
export const contracts = {
  createLiveStream: {
    summary: 'Create a live stream: its stream key (shown once), ingest URLs and the video it records into',
    description:
      'Publish with RTMP(S) to `ingest.rtmp` / `ingest.rtmps` with `ingest.streamName` as the stream name, or with WHIP to `ingest.whip` with the key as bearer token. With `showId`, the stream’s video becomes the show’s video, so ticket holders watch it live and then as a replay.',
    body: createStreamSchema,
    responses: {
      201: { description: 'The stream (`idle`) with its `streamKey`', schema: liveStreamWithKeyResponse },
    },
    problems: () => [new NotFoundError(''), showHasVideo(), showCancelled()],
  },
  listLiveStreams: {
    summary: 'List the organisation’s live streams, newest first',
    query: listQuerySchema,
    responses: { 200: { description: '`items` and `nextCursor`', schema: liveStreamPageResponse } },
  },
  getLiveStream: {
    summary: 'A live stream: status, sessions, recorded time and why it was cut or ended',
    params: byId,
    responses: { 200: { description: 'The stream', schema: liveStreamResponse } },
    problems: () => [new NotFoundError('')],
  },
  rotateLiveStreamKey: {
    summary: 'Replace the stream key; a publisher on the old key is cut within one update interval',
    params: byId,
    body: null,
    responses: {
      200: { description: 'The stream with its new `streamKey`', schema: liveStreamWithKeyResponse },
    },
    problems: () => [new NotFoundError(''), streamEnded()],
  },
  endLiveStream: {
    summary: 'End the stream: a publisher is cut, and the recording becomes the video (once)',
    description:
      'Idempotent. A stream with a publisher on answers `status: live` with `cutReason: stream-ended` and ends within one update interval; any other ends at once (`ended`, or `failed` with `no_recording` when nothing was recorded).',
    params: byId,
    body: null,
    responses: { 200: { description: 'The stream', schema: liveStreamResponse } },
    problems: () => [new NotFoundError('')],
  },
} satisfies RouteContracts;
