import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';

export const accountsConfigKeys = Object.keys(databaseConfig);
export const loadAccountsConfig = () => readConfig(databaseConfig);
