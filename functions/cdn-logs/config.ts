import { z } from 'zod';
import { configFields, readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';

const shape = {
  ...databaseConfig,
  /**
   * The value Fastly's logging endpoint sends in the X-Log-Secret header (its header_name /
   * header_value). Comma-separated to rotate: add the new one, change the endpoint, drop the old.
   */
  CDN_LOG_SECRET: configFields.csv.pipe(
    z.array(z.string().min(32, 'each secret needs 32+ characters')).min(1, 'at least one secret'),
  ),
  /** Fastly service ids allowed to stream logs here (comma-separated), or `*` for any. */
  FASTLY_SERVICE_IDS: configFields.csv.pipe(z.array(z.string().regex(/^(\*|[A-Za-z0-9]{1,64})$/)).min(1)),
  /**
   * Secret salt of the viewer hash (client address and user agent). Without it the hash of an
   * IPv4 address could be reversed by trying every address; rotating it restarts unique counts.
   */
  CDN_VIEWER_SALT: z.string().min(32, 'needs 32+ characters'),
};

export const cdnLogsConfigKeys = Object.keys(shape);
export const loadCdnLogsConfig = () => readConfig(shape);
