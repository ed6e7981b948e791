import { readConfig } from '#shared/config/config.ts';
import { liveControlConfig } from '#shared/live/config.ts';
import { transcodeQueueLimitsConfig } from '#shared/video/transcode-job.ts';

const shape = {
  ...liveControlConfig,
  // transcode-dispatch's values: lost live-recording jobs are put again under the same limits.
  ...transcodeQueueLimitsConfig,
};

export const liveWatchdogConfigKeys = Object.keys(shape);
export const loadLiveWatchdogConfig = () => readConfig(shape);
