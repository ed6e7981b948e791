import { z } from 'zod';

/**
 * Google Analytics 4 (Measurement Protocol). Off unless both the measurement id and the API
 * secret are set (the local cloud's default): nothing is sent anywhere then.
 */
export const ga4Config = {
  /** The web data stream's measurement id, `G-XXXXXXX`. */
  GA4_MEASUREMENT_ID: z
    .string()
    .regex(/^G-[A-Z0-9]{4,20}$/, 'must look like G-XXXXXXX')
    .optional(),
  /** A Measurement Protocol API secret of that stream (OCI: from Vault). */
  GA4_API_SECRET: z.string().min(8).max(256).optional(),
  /** Where GA4 is; a stand-in's address in tests. */
  GA4_BASE_URL: z.url().default('https://www.google-analytics.com'),
  GA4_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5_000),
};

/**
 * Salt of the person hash analytics events carry (shared/analytics/visitor-ids.ts). Without it no
 * person is ever named, even with consent: events carry the browser's client id only.
 */
export const analyticsSaltConfig = {
  ANALYTICS_ID_SALT: z.string().min(32, 'needs 32+ characters').optional(),
};

export interface Ga4Settings {
  readonly GA4_MEASUREMENT_ID?: string | undefined;
  readonly GA4_API_SECRET?: string | undefined;
  readonly GA4_BASE_URL: string;
  readonly GA4_TIMEOUT_MS: number;
}

/** The GA4 destination, or undefined when GA4 is not configured. */
export function ga4DestinationOf(config: Ga4Settings) {
  if (!config.GA4_MEASUREMENT_ID || !config.GA4_API_SECRET) return undefined;
  return {
    baseUrl: config.GA4_BASE_URL,
    measurementId: config.GA4_MEASUREMENT_ID,
    apiSecret: config.GA4_API_SECRET,
    timeoutMs: config.GA4_TIMEOUT_MS,
  };
}
