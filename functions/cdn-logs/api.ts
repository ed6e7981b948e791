import { z } from 'zod';
import { dayRangeQuerySchema } from '#shared/day-range.ts';
import { NotFoundError, UnauthorizedError } from '#shared/errors.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import { videoIdSchema } from './schema.ts';
import { LOG_SECRET_HEADER } from './secret.ts';

/** The cdn-logs routes' contracts by operation id (their manifest names them): the API reference's source. */
export const contracts = {
  getFastlyLoggingChallenge: {
    summary: 'Fastly’s domain ownership challenge: SHA-256 of each configured service id',
    responses: { 200: { description: 'One hex digest per line', contentType: 'text/plain' } },
  },
  ingestCdnLogs: {
    summary: 'A Fastly HTTPS log batch (newline-delimited JSON, optionally gzip)',
    description: `Authenticated by the shared secret in \`${LOG_SECRET_HEADER}\`, not by an API key. The body is newline-delimited JSON, not one JSON document, so no schema is given for it.`,
    headers: z.object({ [LOG_SECRET_HEADER]: z.string() }),
    body: null,
    responses: { 200: { description: 'What the batch counted', contentType: 'application/json' } },
    problems: () => [new UnauthorizedError('')],
  },
  getVideoCdnStats: {
    summary: 'Per-day requests, bytes, views and unique viewers of one of your videos',
    params: z.object({ id: videoIdSchema }),
    query: dayRangeQuerySchema,
    responses: {
      200: {
        description: '`videoId`, `from`, `to` and the daily figures',
        contentType: 'application/json',
      },
    },
    problems: () => [new NotFoundError('')],
  },
} satisfies RouteContracts;
