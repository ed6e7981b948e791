import { defineManifest } from '#shared/runtime/manifest.ts';
import { webhooksConfigKeys } from './config.ts';

const manage = { type: 'scoped', anyOf: ['webhooks:manage'] } as const;

/**
 * Webhook endpoints of the caller's organisation: registration (signing secret shown once),
 * rotation, the delivery log, redelivery and test events. The webhook-dispatch function does the
 * scheduled sending.
 */
export const webhooksManifest = defineManifest({
  name: 'webhooks',
  summary:
    'Webhook endpoints for integrators: register and change them, rotate signing secrets, read the delivery log, redeliver, send a test event.',
  kind: 'http',
  memoryMb: 256,
  // A test or a redelivery waits for the endpoint (WEBHOOK_TIMEOUT_MS, 5 s).
  timeoutSeconds: 15,
  routes: [
    { method: 'GET', path: '/webhook-event-types', auth: manage, operationId: 'listWebhookEventTypes' },
    { method: 'GET', path: '/webhook-endpoints', auth: manage, operationId: 'listWebhookEndpoints' },
    { method: 'POST', path: '/webhook-endpoints', auth: manage, operationId: 'createWebhookEndpoint' },
    {
      method: 'GET',
      path: '/webhook-endpoints/{endpointId}',
      auth: manage,
      operationId: 'getWebhookEndpoint',
    },
    {
      method: 'PATCH',
      path: '/webhook-endpoints/{endpointId}',
      auth: manage,
      operationId: 'updateWebhookEndpoint',
    },
    {
      method: 'DELETE',
      path: '/webhook-endpoints/{endpointId}',
      auth: manage,
      operationId: 'deleteWebhookEndpoint',
    },
    {
      method: 'POST',
      path: '/webhook-endpoints/{endpointId}/rotate-secret',
      auth: manage,
      operationId: 'rotateWebhookSecret',
    },
    {
      method: 'GET',
      path: '/webhook-endpoints/{endpointId}/deliveries',
      auth: manage,
      operationId: 'listWebhookDeliveries',
    },
    {
      method: 'POST',
      path: '/webhook-deliveries/{deliveryId}/redeliver',
      auth: manage,
      operationId: 'redeliverWebhook',
    },
    {
      method: 'POST',
      path: '/webhook-endpoints/{endpointId}/test',
      auth: manage,
      operationId: 'sendWebhookTestEvent',
    },
  ],
  events: [],
  config: webhooksConfigKeys,
  api: () => import('./api.ts'),
});
