import { z } from 'zod';
import { configFields } from '#shared/config/config.ts';
import { ConfigError } from '#shared/errors.ts';
import { parseServiceAccount } from '#shared/shows/firebase-token.ts';
import { createBigQueryWarehouse } from './bigquery-warehouse.ts';
import { createLocalWarehouse } from './local-warehouse.ts';
import type { Warehouse } from './warehouse.ts';

/**
 * Config shape for the warehouse port (compose into a function's readConfig shape):
 * `WAREHOUSE_BACKEND=local` (the local cloud's DuckDB server: WAREHOUSE_URL + WAREHOUSE_TOKEN) or
 * `bigquery` (BIGQUERY_SERVICE_ACCOUNT_JSON, a Vault secret; BIGQUERY_PROJECT_ID defaults to the
 * key's project). docs/warehouse.md lists them.
 */
export const warehouseConfig = {
  WAREHOUSE_BACKEND: z.enum(['local', 'bigquery']).default('local'),
  WAREHOUSE_URL: configFields.url.optional(),
  WAREHOUSE_TOKEN: z.string().min(16).optional(),
  /** The service account's key file JSON; read only when WAREHOUSE_BACKEND=bigquery. */
  BIGQUERY_SERVICE_ACCOUNT_JSON: z.string().optional(),
  BIGQUERY_PROJECT_ID: z
    .string()
    .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/)
    .optional(),
  BIGQUERY_DATASET: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,1024}$/)
    .default('forgecast'),
  BIGQUERY_LOCATION: z.string().optional(),
  /** Stand-ins for tests; Google's endpoints otherwise. */
  BIGQUERY_API_ENDPOINT: configFields.url.optional(),
  GOOGLE_TOKEN_URL: configFields.url.optional(),
  WAREHOUSE_TIMEOUT_MS: configFields.positiveInt.default(30_000),
};

export interface WarehouseConfig {
  readonly WAREHOUSE_BACKEND: 'local' | 'bigquery';
  readonly WAREHOUSE_URL?: string | undefined;
  readonly WAREHOUSE_TOKEN?: string | undefined;
  readonly BIGQUERY_SERVICE_ACCOUNT_JSON?: string | undefined;
  readonly BIGQUERY_PROJECT_ID?: string | undefined;
  readonly BIGQUERY_DATASET: string;
  readonly BIGQUERY_LOCATION?: string | undefined;
  readonly BIGQUERY_API_ENDPOINT?: string | undefined;
  readonly GOOGLE_TOKEN_URL?: string | undefined;
  readonly WAREHOUSE_TIMEOUT_MS: number;
}

function required(config: WarehouseConfig, names: readonly (keyof WarehouseConfig)[]): void {
  const missing = names.filter((name) => !config[name]);
  if (missing.length > 0) {
    throw new ConfigError(
      `Invalid configuration: ${missing.map((name) => `${name} is required when WAREHOUSE_BACKEND=${config.WAREHOUSE_BACKEND}`).join('; ')}`,
      missing,
    );
  }
}

/** The adapter the configuration asks for; missing or invalid settings are a ConfigError naming them. */
export function warehouseFromConfig(config: WarehouseConfig): Warehouse {
  switch (config.WAREHOUSE_BACKEND) {
    case 'local':
      required(config, ['WAREHOUSE_URL', 'WAREHOUSE_TOKEN']);
      return createLocalWarehouse({
        url: config.WAREHOUSE_URL as string,
        token: config.WAREHOUSE_TOKEN as string,
        timeoutMs: config.WAREHOUSE_TIMEOUT_MS,
      });
    case 'bigquery': {
      required(config, ['BIGQUERY_SERVICE_ACCOUNT_JSON']);
      const json = config.BIGQUERY_SERVICE_ACCOUNT_JSON as string;
      let account: ReturnType<typeof parseServiceAccount>;
      try {
        account = parseServiceAccount(json);
      } catch (error) {
        throw new ConfigError(
          `Invalid configuration: BIGQUERY_SERVICE_ACCOUNT_JSON is invalid: ${(error as Error).message}`,
          ['BIGQUERY_SERVICE_ACCOUNT_JSON'],
        );
      }
      const projectId = config.BIGQUERY_PROJECT_ID ?? projectOfKey(json);
      if (!projectId) {
        throw new ConfigError(
          'Invalid configuration: BIGQUERY_PROJECT_ID is required when WAREHOUSE_BACKEND=bigquery: the service account key names no project',
          ['BIGQUERY_PROJECT_ID'],
        );
      }
      return createBigQueryWarehouse({
        projectId,
        dataset: config.BIGQUERY_DATASET,
        account,
        ...(config.BIGQUERY_LOCATION ? { location: config.BIGQUERY_LOCATION } : {}),
        ...(config.BIGQUERY_API_ENDPOINT ? { apiEndpoint: config.BIGQUERY_API_ENDPOINT } : {}),
        ...(config.GOOGLE_TOKEN_URL ? { tokenUrl: config.GOOGLE_TOKEN_URL } : {}),
        timeoutMs: config.WAREHOUSE_TIMEOUT_MS,
      });
    }
  }
}

/** A key file's `project_id` (parseServiceAccount reads only the email and the key). */
function projectOfKey(json: string): string | undefined {
  try {
    const projectId = (JSON.parse(json) as { project_id?: unknown }).project_id;
    return typeof projectId === 'string' && projectId !== '' ? projectId : undefined;
  } catch {
    return undefined;
  }
}
