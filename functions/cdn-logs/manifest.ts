import { z } from 'zod';
import { NotFoundError, UnauthorizedError } from '../../shared/errors.ts';
import { defineManifest } from '../../shared/runtime/manifest.ts';
import { cdnLogsConfigKeys } from './config.ts';
import { statsQuerySchema, videoIdSchema } from './schema.ts';
import { LOG_SECRET_HEADER } from './secret.ts';

const anonymous = { type: 'anonymous' } as const;
const videoReader = { type: 'scoped', anyOf: ['videos:read', 'videos:write', 'admin'] } as const;

/**
 * The Fastly HTTPS logging endpoint to point at this function: url `https://<api host>/v1/cdn-logs`
 * (the challenge is then asked of `https://<api host>/.well-known/fastly/logging/challenge`),
 * method POST, json_format 2 (newline-delimited), the format in shared/cdn/fastly-log.ts,
 * header_name `X-Log-Secret` with one of CDN_LOG_SECRET as header_value, request_max_bytes at
 * most 5242880 (MAX_LOG_BATCH_BYTES), gzip compression optional.
 */
export const cdnLogsManifest = defineManifest({
  name: 'cdn-logs',
  summary:
    'Fastly HTTPS log streaming: the domain challenge, batch ingest into per-video daily views, bytes and unique viewers, and the owner’s statistics.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 30,
  routes: [
    {
      method: 'GET',
      path: '/.well-known/fastly/logging/challenge',
      auth: anonymous,
      root: true,
      api: {
        operationId: 'getFastlyLoggingChallenge',
        summary: 'Fastly’s domain ownership challenge: SHA-256 of each configured service id',
        responses: { 200: { description: 'One hex digest per line', contentType: 'text/plain' } },
      },
    },
    // Fastly cannot hold an API key: the function checks the shared secret header itself.
    {
      method: 'POST',
      path: '/cdn-logs',
      auth: anonymous,
      api: {
        operationId: 'ingestCdnLogs',
        summary: 'A Fastly HTTPS log batch (newline-delimited JSON, optionally gzip)',
        description: `Authenticated by the shared secret in \`${LOG_SECRET_HEADER}\`, not by an API key. The body is newline-delimited JSON, not one JSON document, so no schema is given for it.`,
        headers: z.object({ [LOG_SECRET_HEADER]: z.string() }),
        body: null,
        responses: { 200: { description: 'What the batch counted', contentType: 'application/json' } },
        problems: () => [new UnauthorizedError('')],
      },
    },
    {
      method: 'GET',
      path: '/cdn-stats/videos/{id}',
      auth: videoReader,
      api: {
        operationId: 'getVideoCdnStats',
        summary: 'Per-day requests, bytes, views and unique viewers of one of your videos',
        params: z.object({ id: videoIdSchema }),
        query: statsQuerySchema,
        responses: {
          200: {
            description: '`videoId`, `from`, `to` and the daily figures',
            contentType: 'application/json',
          },
        },
        problems: () => [new NotFoundError('')],
      },
    },
  ],
  events: [],
  config: cdnLogsConfigKeys,
});
