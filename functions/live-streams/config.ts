import { z } from 'zod';
import { readConfig } from '#shared/config/config.ts';
import { liveControlConfig } from '#shared/live/config.ts';

const ingestUrl = (scheme: RegExp, what: string) =>
  z.string().refine((value) => scheme.test(value) && URL.canParse(value), `must be ${what}`);

const shape = {
  ...liveControlConfig,
  /** Where encoders publish over RTMP (the stream key is the stream name), e.g. rtmp://ingest.example:1935/live. */
  LIVE_RTMP_URL: ingestUrl(/^rtmp:\/\//, 'an rtmp:// URL').default('rtmp://127.0.0.1:1935/live'),
  LIVE_RTMPS_URL: ingestUrl(/^rtmps:\/\//, 'an rtmps:// URL').default('rtmps://127.0.0.1:1936/live'),
  /** The WHIP endpoint (RFC 9725); the stream key is the bearer token. */
  LIVE_WHIP_URL: ingestUrl(/^https?:\/\//, 'an http(s) URL').default('http://127.0.0.1:8084/whip'),
};

export const liveStreamsConfigKeys = Object.keys(shape);
export const loadLiveStreamsConfig = () => readConfig(shape);
export type LiveStreamsConfig = ReturnType<typeof loadLiveStreamsConfig>;
