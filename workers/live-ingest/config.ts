import { hostname } from 'node:os';
import { z } from 'zod';
import { configFields, readConfig } from '#shared/config/config.ts';
import { objectStorageConfig } from '#shared/config/platform.ts';
import { ConfigError } from '#shared/errors.ts';
import { DEFAULT_LIVE_X264_PARAMS } from './ladder.ts';

const shape = {
  ...objectStorageConfig,
  /** The gateway's base URL including `/v1`; the agent calls `<base>/live-ingest/...`. */
  LIVE_INGEST_API_URL: configFields.url,
  /** API key with scope `live:ingest` (a machine credential; never logged). */
  LIVE_INGEST_API_KEY: z.string().min(8),
  MEDIA_BUCKET: z.string().min(3),
  WORKER_ID: z.string().min(1).max(128).default(`${hostname()}-${process.pid}`),
  /** 0 picks a free port (tests). */
  LIVE_RTMP_PORT: configFields.port.default(1935),
  LIVE_RTMPS_PORT: configFields.port.default(1936),
  /**
   * The ingest host's certificate and key (PEM) for RTMPS and for WHIP over HTTPS, as files or as
   * values (`LIVE_TLS_*_PEM`, e.g. from Vault through `<KEY>_SECRET_OCID`). Without either, RTMPS
   * gets a self-signed pair made at start and WHIP is plain HTTP (local use: pages on http://).
   */
  LIVE_TLS_CERT_FILE: z.string().min(1).optional(),
  LIVE_TLS_KEY_FILE: z.string().min(1).optional(),
  LIVE_TLS_CERT_PEM: z.string().includes('BEGIN CERTIFICATE').optional(),
  LIVE_TLS_KEY_PEM: z.string().includes('PRIVATE KEY').optional(),
  LIVE_WHIP_PORT: configFields.port.default(8084),
  /** Address advertised to publishers (ingest URLs, WHIP ICE candidates). */
  LIVE_PUBLIC_HOST: z.string().min(1).optional(),
  /** UDP ports WHIP's ICE may bind (the firewall opens exactly these); any port when unset. */
  LIVE_ICE_PORT_MIN: z.coerce.number().int().min(1024).max(65535).optional(),
  LIVE_ICE_PORT_MAX: z.coerce.number().int().min(1024).max(65535).optional(),
  /** Parent of the agent's private work folder (nginx config, ladder outputs). */
  WORK_DIR: z.string().min(1).optional(),
  /** Debian's nginx-light installs it here, outside a non-root PATH. */
  NGINX_PATH: z.string().min(1).default('/usr/sbin/nginx'),
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  OPENSSL_PATH: z.string().min(1).default('openssl'),
  /**
   * Bound on the authorize call nginx's on_publish waits for. A warm function answers in tens of
   * ms (wrong keys are refused well under 1 s); the bound only covers a cold start or an outage.
   */
  LIVE_AUTHORIZE_TIMEOUT_MS: z.coerce.number().int().min(200).max(10_000).default(5_000),
  /** x264 preset of the live ladder. */
  LIVE_LADDER_PRESET: z.enum(['ultrafast', 'superfast', 'veryfast', 'faster']).default('veryfast'),
  /**
   * x264 options over the preset (`key=value:key=value`; empty for none). The default trades the
   * motion search down a notch: ~30 % less encoder CPU for 0.06 dB PSNR at 720p/2.8 Mb/s
   * (docs/live.md, Ladder cost).
   */
  LIVE_LADDER_X264_PARAMS: z
    .string()
    .regex(/^([a-z0-9-]+=[A-Za-z0-9.,-]+(:[a-z0-9-]+=[A-Za-z0-9.,-]+)*)?$/, 'key=value pairs joined by ":"')
    .default(DEFAULT_LIVE_X264_PARAMS),
  /** On SIGTERM: how long stopping nginx gracefully may take before SIGKILL. */
  LIVE_DRAIN_SECONDS: z.coerce.number().int().min(1).max(300).default(20),
};

export const liveIngestConfigKeys = Object.keys(shape);
export const loadLiveIngestConfig = (source?: Record<string, string | undefined>) => {
  const config = readConfig(shape, source);
  if ((config.LIVE_TLS_CERT_FILE === undefined) !== (config.LIVE_TLS_KEY_FILE === undefined)) {
    throw new ConfigError('LIVE_TLS_CERT_FILE and LIVE_TLS_KEY_FILE go together', [
      'LIVE_TLS_CERT_FILE',
      'LIVE_TLS_KEY_FILE',
    ]);
  }
  if ((config.LIVE_TLS_CERT_PEM === undefined) !== (config.LIVE_TLS_KEY_PEM === undefined)) {
    throw new ConfigError('LIVE_TLS_CERT_PEM and LIVE_TLS_KEY_PEM go together', [
      'LIVE_TLS_CERT_PEM',
      'LIVE_TLS_KEY_PEM',
    ]);
  }
  if (config.LIVE_TLS_CERT_FILE !== undefined && config.LIVE_TLS_CERT_PEM !== undefined) {
    throw new ConfigError('Give the TLS certificate as files or as PEM values, not both', [
      'LIVE_TLS_CERT_FILE',
      'LIVE_TLS_CERT_PEM',
    ]);
  }
  if (
    (config.LIVE_ICE_PORT_MIN === undefined) !== (config.LIVE_ICE_PORT_MAX === undefined) ||
    (config.LIVE_ICE_PORT_MIN ?? 0) > (config.LIVE_ICE_PORT_MAX ?? 0)
  ) {
    throw new ConfigError('LIVE_ICE_PORT_MIN and LIVE_ICE_PORT_MAX go together, MIN <= MAX', [
      'LIVE_ICE_PORT_MIN',
      'LIVE_ICE_PORT_MAX',
    ]);
  }
  return config;
};
export type LiveIngestConfig = ReturnType<typeof loadLiveIngestConfig>;
