import { configFields, readConfig } from '#shared/config/config.ts';
import {
  bucketsConfig,
  chainConfig,
  databaseConfig,
  objectStorageConfig,
  queuesConfig,
} from '#shared/config/platform.ts';

const shape = {
  ...databaseConfig,
  ...objectStorageConfig,
  ...chainConfig,
  ...bucketsConfig,
  ...queuesConfig,
  /**
   * Local cloud only: where it reports the start-up steps still running (infra/local/startup-status.ts).
   * Until they are done, health answers 503 naming them. Unset on OCI, which has no such phase.
   */
  STARTUP_STATUS_URL: configFields.url.optional(),
};

export const healthConfigKeys = Object.keys(shape);
export const loadHealthConfig = () => readConfig(shape);
