import { z } from 'zod';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig, relayerConfig } from '#shared/config/platform.ts';

const shape = {
  ...databaseConfig,
  ...relayerConfig,
  LICENSE_LEDGER_ADDRESS: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a contract address'),
  /**
   * How long POST /licenses waits for the mint to be mined before answering 202 with a status
   * URL. Keep it well inside the function timeout (manifest) and API Gateway's 60 s.
   */
  MINT_WAIT_MS: z.coerce.number().int().min(0).max(20_000).default(4000),
};

export const licenseMintConfigKeys = Object.keys(shape);
export const loadLicenseMintConfig = () => readConfig(shape);
