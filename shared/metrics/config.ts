import { z } from 'zod';
import { type ConfigSource, readConfig } from '../config/config.ts';
import { ConfigError } from '../errors.ts';

/** OCI's rule for custom metric namespaces: a letter, then letters, digits and `_`; no reserved prefix. */
const namespace = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,254}$/, 'a letter, then letters, digits and underscores')
  .refine((value) => !/^(oci_|oracle_)/i.test(value), 'oci_ and oracle_ are reserved prefixes');

const shape = {
  /** `oci` (Monitoring, production), `push` (the local collector) or `none`. */
  METRICS_BACKEND: z.enum(['oci', 'push', 'none']).default('none'),
  METRICS_NAMESPACE: namespace.default('forgecast'),
  /** oci: the compartment the custom metrics belong to. */
  METRICS_COMPARTMENT_ID: z
    .string()
    .regex(/^ocid1\.[a-z]+\.[^\s]+$/, 'an OCID')
    .optional(),
  /** oci: `https://telemetry-ingestion.<region>.oraclecloud.com`. */
  METRICS_INGESTION_ENDPOINT: z.url().optional(),
  /** push: the local collector's push URL. */
  METRICS_PUSH_URL: z.url().optional(),
  /** How often buffered aggregates are shipped; optional (60 s, OCI's finest aggregation). */
  METRICS_FLUSH_SECONDS: z.coerce.number().int().min(1).max(300).default(60),
};

/**
 * Platform keys every function process and the transcoder worker receive (not listed in each
 * manifest's config); Terraform sets them on the application and the container instances.
 */
export const METRICS_CONFIG_KEYS = Object.keys(shape);

export type MetricsConfig = ReturnType<typeof readMetricsConfig>;

/** Read once per cold start; a backend without its settings is a ConfigError naming them. */
export function readMetricsConfig(source?: ConfigSource) {
  const config = readConfig(shape, source);
  if (
    config.METRICS_BACKEND === 'oci' &&
    (!config.METRICS_COMPARTMENT_ID || !config.METRICS_INGESTION_ENDPOINT)
  ) {
    throw new ConfigError('METRICS_BACKEND=oci needs METRICS_COMPARTMENT_ID and METRICS_INGESTION_ENDPOINT', [
      'METRICS_COMPARTMENT_ID',
      'METRICS_INGESTION_ENDPOINT',
    ]);
  }
  if (config.METRICS_BACKEND === 'push' && !config.METRICS_PUSH_URL) {
    throw new ConfigError('METRICS_BACKEND=push needs METRICS_PUSH_URL', ['METRICS_PUSH_URL']);
  }
  return config;
}
