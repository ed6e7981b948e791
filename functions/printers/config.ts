import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';

export const printersConfigKeys = Object.keys(databaseConfig);
export const loadPrintersConfig = () => readConfig(databaseConfig);
