import { z } from 'zod';
import { NotFoundError } from '#shared/errors.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import { createdVideoResponse, videoPageResponse, videoResponse } from './responses.ts';
import { createVideoSchema, listQuerySchema, videoIdSchema } from './schema.ts';

/** The videos routes' contracts by operation id (their manifest names them): the API reference's source. */
export const contracts = {
  createVideo: {
    summary: 'Create a video and get a presigned PUT for its source',
    description:
      'The answer’s `upload` (url, method, headers, expiresAt) accepts exactly `sizeBytes` bytes of `contentType`.',
    body: createVideoSchema,
    responses: {
      201: {
        description: 'The video (`awaiting_upload`) and its `upload`',
        schema: createdVideoResponse,
      },
    },
  },
  listVideos: {
    summary: 'List the organisation’s videos',
    query: listQuerySchema,
    responses: { 200: { description: '`items` and `nextCursor`', schema: videoPageResponse } },
  },
  getVideo: {
    summary:
      'A video: status, `progressPercent` while transcoding, renditions, poster and playback URLs once ready',
    params: z.object({ id: videoIdSchema }),
    responses: { 200: { description: 'The video', schema: videoResponse } },
    problems: () => [new NotFoundError('')],
  },
} satisfies RouteContracts;
