import { readConfig } from '../../shared/config/config.ts';
import {
  bucketsConfig,
  chainConfig,
  databaseConfig,
  objectStorageConfig,
  queuesConfig,
} from '../../shared/config/platform.ts';

const shape = {
  ...databaseConfig,
  ...objectStorageConfig,
  ...chainConfig,
  ...bucketsConfig,
  ...queuesConfig,
};

export const healthConfigKeys = Object.keys(shape);
export const loadHealthConfig = () => readConfig(shape);
