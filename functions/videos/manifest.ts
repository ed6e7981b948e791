import { z } from 'zod';
import { NotFoundError } from '../../shared/errors.ts';
import { defineManifest } from '../../shared/runtime/manifest.ts';
import { videosConfigKeys } from './config.ts';
import { createVideoSchema, listQuerySchema, videoIdSchema } from './schema.ts';

const write = { type: 'scoped', anyOf: ['videos:write', 'admin'] } as const;
const read = { type: 'scoped', anyOf: ['videos:read', 'videos:write', 'admin'] } as const;

export const videosManifest = defineManifest({
  name: 'videos',
  summary:
    'Video assets: create with a presigned upload URL, follow transcoding, read renditions, poster and a playback URL.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 15,
  routes: [
    {
      method: 'POST',
      path: '/videos',
      auth: write,
      api: {
        operationId: 'createVideo',
        summary: 'Create a video and get a presigned PUT for its source',
        description:
          'The answer’s `upload` (url, method, headers, expiresAt) accepts exactly `sizeBytes` bytes of `contentType`.',
        body: createVideoSchema,
        responses: {
          201: {
            description: 'The video (`awaiting_upload`) and its `upload`',
            contentType: 'application/json',
          },
        },
      },
    },
    {
      method: 'GET',
      path: '/videos',
      auth: read,
      api: {
        operationId: 'listVideos',
        summary: 'List the organisation’s videos',
        query: listQuerySchema,
        responses: { 200: { description: '`items` and `nextCursor`', contentType: 'application/json' } },
      },
    },
    {
      method: 'GET',
      path: '/videos/{id}',
      auth: read,
      api: {
        operationId: 'getVideo',
        summary:
          'A video: status, `progressPercent` while transcoding, renditions, poster and playback URLs once ready',
        params: z.object({ id: videoIdSchema }),
        responses: { 200: { description: 'The video', contentType: 'application/json' } },
        problems: () => [new NotFoundError('')],
      },
    },
  ],
  events: [],
  config: videosConfigKeys,
});
