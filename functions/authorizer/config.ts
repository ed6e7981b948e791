import { readConfig } from '../../shared/config/config.ts';
import { databaseConfig } from '../../shared/config/platform.ts';

export const authorizerConfigKeys = Object.keys(databaseConfig);
export const loadAuthorizerConfig = () => readConfig(databaseConfig);
