import { readConfig } from '#shared/config/config.ts';
import { databaseConfig, keyWrapperConfig } from '#shared/config/platform.ts';
import { webhookDeliveryConfig } from '#shared/webhooks/webhook-config.ts';

// The routes send too (test events, redeliveries), so they read the delivery rules the dispatcher reads.
const shape = { ...databaseConfig, ...keyWrapperConfig, ...webhookDeliveryConfig };

export const webhooksConfigKeys = Object.keys(shape);
export const loadWebhooksConfig = () => readConfig(shape);
