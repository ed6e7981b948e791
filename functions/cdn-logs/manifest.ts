import { defineManifest } from '#shared/runtime/manifest.ts';
import { cdnLogsConfigKeys } from './config.ts';

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
      operationId: 'getFastlyLoggingChallenge',
    },
    // Fastly cannot hold an API key: the function checks the shared secret header itself.
    { method: 'POST', path: '/cdn-logs', auth: anonymous, operationId: 'ingestCdnLogs' },
    { method: 'GET', path: '/cdn-stats/videos/{id}', auth: videoReader, operationId: 'getVideoCdnStats' },
  ],
  events: [],
  config: cdnLogsConfigKeys,
  api: () => import('./api.ts'),
});
