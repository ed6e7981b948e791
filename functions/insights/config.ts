import { readConfig } from '#shared/config/config.ts';
import { warehouseConfig } from '#shared/warehouse/warehouse-from-config.ts';

/** The insights function reads the warehouse only: no database, no secrets but the warehouse's. */
const shape = { ...warehouseConfig };

export const insightsConfigKeys = Object.keys(shape);
export const loadInsightsConfig = () => readConfig(shape);
