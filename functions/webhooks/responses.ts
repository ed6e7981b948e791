import { z } from 'zod';

/** The JSON the webhooks routes answer with, for the API reference (and the portal). */
const instant = z.iso.datetime();

export const endpointResponse = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  eventTypes: z.array(z.string()),
  enabled: z.boolean(),
  disabledReason: z
    .string()
    .nullable()
    .describe('Why the endpoint is off: the notice to show (set when it was disabled for failing)'),
  disabledAt: instant.nullable(),
  failingSince: instant.nullable().describe('The first failed attempt since the last success, while failing'),
  previousSecretExpiresAt: instant
    .nullable()
    .describe('After a rotation: until when the previous secret still signs (a second v1)'),
  createdAt: instant,
  updatedAt: instant,
});

const secretNote = 'The signing secret whsec_…, shown only in this answer';

export const createdEndpointResponse = endpointResponse.extend({ secret: z.string().describe(secretNote) });

export const endpointListResponse = z.object({ items: z.array(endpointResponse) });

export const rotatedSecretResponse = z.object({
  secret: z.string().describe(secretNote),
  previousSecretExpiresAt: instant.describe('The old secret signs beside the new one until then'),
});

export const eventTypeListResponse = z.object({
  items: z.array(z.object({ type: z.string(), version: z.number().int(), summary: z.string() })),
});

export const deliveryResponse = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  responseCode: z.number().int().nullable().describe("The endpoint's last HTTP status, if it answered"),
  latencyMs: z.number().int().nullable().describe('How long the last attempt took'),
  lastError: z.string().nullable(),
  nextAttemptAt: instant.nullable().describe('When a pending delivery is tried next'),
  createdAt: instant,
  finishedAt: instant.nullable(),
});

export const deliveryPageResponse = z.object({
  items: z.array(deliveryResponse),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last'),
});

export const attemptOutcomeResponse = z.object({
  deliveryId: z.string(),
  ok: z.boolean().describe('The endpoint answered 2xx'),
  statusCode: z.number().int().nullable(),
  latencyMs: z.number().int(),
  error: z.string().nullable(),
});
