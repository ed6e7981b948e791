import { z } from 'zod';
import { ID_PATTERN } from '#shared/ids.ts';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from '#shared/webhooks/event-types.ts';
import { MAX_WEBHOOK_URL_LENGTH } from '#shared/webhooks/target-policy.ts';

export const MAX_ENDPOINTS_PER_ORGANISATION = 50;

const url = z
  .string()
  .trim()
  .min(1)
  .max(MAX_WEBHOOK_URL_LENGTH)
  .describe('Where deliveries are POSTed: https, resolving to public addresses only');
const description = z.string().trim().max(500).describe('A note for your organisation');
const eventTypes = z
  .array(
    z
      .string()
      .refine(isWebhookEventType, `not a subscribable event type (${WEBHOOK_EVENT_TYPES.length} exist)`),
  )
  .min(1)
  // A fixed bound, not the catalogue's size: the API reference should not change with every new event type.
  .max(100)
  .transform((types) => [...new Set(types)])
  .describe('The event types to receive (GET /webhook-event-types)');

export const createEndpointSchema = z.strictObject({
  url,
  description: description.optional(),
  eventTypes,
});

export const updateEndpointSchema = z
  .strictObject({
    url: url.optional(),
    description: description.nullable().optional(),
    eventTypes: eventTypes.optional(),
    enabled: z
      .boolean()
      .optional()
      .describe('true re-enables a disabled endpoint (its notice is cleared); false turns it off'),
  })
  .refine((changes) => Object.keys(changes).length > 0, 'name at least one member to change');

export const endpointIdSchema = z.string().regex(ID_PATTERN, 'not an endpoint id');
export const deliveryIdSchema = z.string().regex(ID_PATTERN, 'not a delivery id');

export const endpointParams = z.object({ endpointId: endpointIdSchema });
export const deliveryParams = z.object({ deliveryId: deliveryIdSchema });

/** `GET /webhook-endpoints/{endpointId}/deliveries`: newest first, a page at a time. */
export const listDeliveriesQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().regex(ID_PATTERN, 'not a delivery id').optional(),
});
