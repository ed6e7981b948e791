import { NotFoundError } from '#shared/errors.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import { WebhookUrlRefusedError } from '#shared/webhooks/target-policy.ts';
import { EndpointLimitError } from './endpoints.ts';
import {
  attemptOutcomeResponse,
  createdEndpointResponse,
  deliveryPageResponse,
  endpointListResponse,
  endpointResponse,
  eventTypeListResponse,
  rotatedSecretResponse,
} from './responses.ts';
import {
  createEndpointSchema,
  deliveryParams,
  endpointParams,
  listDeliveriesQuerySchema,
  updateEndpointSchema,
} from './schema.ts';

const notFound = () => [new NotFoundError('')];
const refused = () => new WebhookUrlRefusedError('loopback', '');

/** The webhooks routes' contracts by operation id: the API reference's source (see docs/webhooks.md). */
export const contracts = {
  listWebhookEventTypes: {
    summary: 'List the event types an endpoint can subscribe to',
    responses: { 200: { description: '`items`: type, version, summary', schema: eventTypeListResponse } },
  },
  listWebhookEndpoints: {
    summary: 'List the organisation’s webhook endpoints (never their secrets)',
    description: 'A disabled endpoint carries `disabledReason` and `disabledAt`: the notice to show.',
    responses: { 200: { description: '`items`', schema: endpointListResponse } },
  },
  createWebhookEndpoint: {
    summary: 'Register a webhook endpoint',
    description:
      'The URL must be https on port 443 or from 1024 up and resolve only to public addresses (`webhook_url_refused` names the reason). The signing secret (`secret`) is shown in this answer only. The endpoint receives events that occur from now on.',
    body: createEndpointSchema,
    responses: {
      201: { description: 'The endpoint with its signing secret', schema: createdEndpointResponse },
    },
    problems: () => [refused(), new EndpointLimitError()],
  },
  getWebhookEndpoint: {
    summary: 'Read one webhook endpoint',
    params: endpointParams,
    responses: { 200: { description: 'The endpoint', schema: endpointResponse } },
    problems: notFound,
  },
  updateWebhookEndpoint: {
    summary: 'Change a webhook endpoint’s URL, description or event types, or enable it again',
    description: '`enabled: true` re-enables an endpoint the platform disabled, clearing its notice.',
    params: endpointParams,
    body: updateEndpointSchema,
    responses: { 200: { description: 'The endpoint as changed', schema: endpointResponse } },
    problems: () => [new NotFoundError(''), refused()],
  },
  deleteWebhookEndpoint: {
    summary: 'Delete a webhook endpoint and its delivery log',
    params: endpointParams,
    responses: { 204: { description: 'Deleted' } },
    problems: notFound,
  },
  rotateWebhookSecret: {
    summary: 'Rotate an endpoint’s signing secret',
    description:
      'The new secret is shown in this answer only. The old one keeps signing beside it (a second `v1` in Forgecast-Signature) until `previousSecretExpiresAt` (24 hours).',
    params: endpointParams,
    body: null,
    responses: { 200: { description: 'The new secret', schema: rotatedSecretResponse } },
    problems: notFound,
  },
  listWebhookDeliveries: {
    summary: 'An endpoint’s deliveries, newest first',
    params: endpointParams,
    query: listDeliveriesQuerySchema,
    responses: { 200: { description: '`items` and `nextCursor`', schema: deliveryPageResponse } },
    problems: notFound,
  },
  redeliverWebhook: {
    summary: 'Send a delivery again now',
    description:
      'One attempt, now, whatever the delivery’s state; answers with its outcome. A success finishes a pending delivery.',
    params: deliveryParams,
    body: null,
    responses: { 200: { description: 'The attempt’s outcome', schema: attemptOutcomeResponse } },
    problems: notFound,
  },
  sendWebhookTestEvent: {
    summary: 'Send a `webhook.test` event to the endpoint now',
    description: 'Signed like every delivery, logged in the endpoint’s deliveries; answers with the outcome.',
    params: endpointParams,
    body: null,
    responses: { 200: { description: 'The attempt’s outcome', schema: attemptOutcomeResponse } },
    problems: notFound,
  },
} satisfies RouteContracts;
