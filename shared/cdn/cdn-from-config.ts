import { z } from 'zod';
import { configFields } from '../config/config.ts';
import { ConfigError } from '../errors.ts';
import { assetPrefix } from '../video/media-layout.ts';
import { type CdnPurger, noCdnPurger } from './cdn.ts';
import { signEdgePath } from './edge-token.ts';
import { createFastlyPurger } from './fastly-purger.ts';

/** Config shape for purging (compose into a function's readConfig shape). */
export const cdnConfig = {
  CDN_BACKEND: z.enum(['none', 'fastly']).default('none'),
  FASTLY_API_BASE: z.url().default('https://api.fastly.com'),
  FASTLY_SERVICE_ID: z.string().optional(),
  FASTLY_API_TOKEN: z.string().optional(),
  /** Per purge request, in milliseconds. */
  FASTLY_TIMEOUT_MS: configFields.positiveInt.default(10_000),
};

export interface CdnConfig {
  readonly CDN_BACKEND: 'none' | 'fastly';
  readonly FASTLY_API_BASE: string;
  readonly FASTLY_SERVICE_ID?: string | undefined;
  readonly FASTLY_API_TOKEN?: string | undefined;
  readonly FASTLY_TIMEOUT_MS?: number | undefined;
}

/** The purger the configuration asks for; a Fastly backend without its service id or token is a ConfigError. */
export function cdnPurgerFromConfig(config: CdnConfig): CdnPurger {
  if (config.CDN_BACKEND === 'none') return noCdnPurger;
  const missing = (['FASTLY_SERVICE_ID', 'FASTLY_API_TOKEN'] as const).filter((name) => !config[name]);
  if (missing.length > 0) {
    throw new ConfigError(
      `Invalid configuration: ${missing.map((name) => `${name} is required when CDN_BACKEND=fastly`).join('; ')}`,
      missing,
    );
  }
  return createFastlyPurger({
    apiBase: config.FASTLY_API_BASE,
    serviceId: config.FASTLY_SERVICE_ID as string,
    apiToken: config.FASTLY_API_TOKEN as string,
    ...(config.FASTLY_TIMEOUT_MS === undefined ? {} : { timeoutMs: config.FASTLY_TIMEOUT_MS }),
  });
}

const MIN_KEY_BYTES = 32;
const HEX_KEY = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * `EDGE_TOKEN_KEYS`: comma-separated secrets of 32+ bytes, each hex or base64 (standard or
 * URL-safe). The first signs; all verify, so a new key is added in front and the old one dropped
 * once the longest-lived URL it signed has expired. Error messages never contain a key.
 */
export function parseEdgeTokenKeys(csv: string): Uint8Array[] {
  const texts = csv
    .split(',')
    .map((text) => text.trim())
    .filter(Boolean);
  if (texts.length === 0) throw new RangeError('at least one key is needed');
  return texts.map((text, index) => {
    const bytes = HEX_KEY.test(text) ? Buffer.from(text, 'hex') : decodeBase64(text);
    if (bytes === undefined) throw new RangeError(`key ${index + 1} is neither hex nor base64`);
    if (bytes.byteLength < MIN_KEY_BYTES) throw new RangeError(`key ${index + 1} is shorter than 32 bytes`);
    return new Uint8Array(bytes);
  });
}

function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64_KEY.test(text)) return undefined;
  const urlSafe = /[-_]/.test(text);
  const bytes = Buffer.from(text, urlSafe ? 'base64url' : 'base64');
  const canonical = bytes.toString(urlSafe ? 'base64url' : 'base64').replace(/=+$/, '');
  return canonical === text.replace(/=+$/, '') ? bytes : undefined;
}

/** Config shape for handing out playback URLs. */
export const edgeConfig = {
  EDGE_BASE_URL: configFields.url,
  EDGE_TOKEN_KEYS: z.string().transform((csv, context) => {
    try {
      return parseEdgeTokenKeys(csv);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
};

export interface EdgeConfig {
  readonly EDGE_BASE_URL: string;
  readonly EDGE_TOKEN_KEYS: readonly Uint8Array[];
}

export interface PlaybackUrls {
  /**
   * `${EDGE_BASE_URL}/t/<exp>_<sig>/<objectKey>`, valid for the whole asset folder for ttlSeconds;
   * with a grant id (`/t/<exp>_<grantId>_<sig>/…`) the edge refuses it once that grant is revoked.
   */
  playbackUrl(assetId: string, objectKey: string, ttlSeconds: number, grantId?: string): string;
}

export function playbackUrlsFromConfig(
  config: EdgeConfig,
  clock: () => Date = () => new Date(),
): PlaybackUrls {
  const base = config.EDGE_BASE_URL.replace(/\/+$/, '');
  const signingKey = config.EDGE_TOKEN_KEYS[0];
  if (signingKey === undefined) throw new ConfigError('EDGE_TOKEN_KEYS holds no key', ['EDGE_TOKEN_KEYS']);
  return {
    playbackUrl(assetId, objectKey, ttlSeconds, grantId) {
      if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)
        throw new RangeError('ttlSeconds must be positive');
      const scope = assetPrefix(assetId);
      if (!objectKey.startsWith(scope) || objectKey.length === scope.length) {
        throw new RangeError('the object is not inside the asset folder');
      }
      const expiresAt = new Date(clock().getTime() + ttlSeconds * 1000);
      const prefix = signEdgePath({
        key: signingKey,
        scope,
        expiresAt,
        ...(grantId === undefined ? {} : { grantId }),
      });
      return `${base}${prefix}/${objectKey}`;
    },
  };
}
