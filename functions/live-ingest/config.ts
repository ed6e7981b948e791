import { readConfig } from '#shared/config/config.ts';
import { liveControlConfig } from '#shared/live/config.ts';

const shape = { ...liveControlConfig };

export const liveIngestConfigKeys = Object.keys(shape);
export const loadLiveIngestConfig = () => readConfig(shape);
