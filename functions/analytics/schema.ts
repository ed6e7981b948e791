import { z } from 'zod';
import { DOMAIN_EVENTS } from '#events/domain/catalogue.ts';

// The browser reports exactly what the catalogue stores, so every bound is the catalogue's own.
const [pageViewedWithout, pageViewedWith] = DOMAIN_EVENTS['analytics.page_viewed'].payload.options;
const [actionWithout] = DOMAIN_EVENTS['analytics.action'].payload.options;
const place = pageViewedWithout.shape;

/** Most events one call may carry: a page's worth of batched beacons. */
export const MAX_EVENTS_PER_CALL = 20;
/** The body's bound, checked before parsing: 20 events of a long path fit in 8 KB. */
export const MAX_COLLECT_BODY_BYTES = 8 * 1024;

const reportedEvent = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('page_view'),
    page: place.page,
    path: place.path,
    showId: place.showId,
    designId: place.designId,
  }),
  z.strictObject({
    kind: z.literal('action'),
    action: actionWithout.shape.action,
    page: place.page,
    path: place.path,
    showId: place.showId,
    designId: place.designId,
  }),
]);

/**
 * `POST /analytics/events`: the browser's choice and, only with consent, its client id. A client
 * id without consent is refused, so a page that forgot the choice cannot leak one.
 */
export const collectBodySchema = z
  .strictObject({
    consent: z
      .boolean()
      .describe('The visitor accepted analytics (for a signed-in person, their stored choice must agree).'),
    clientId: pageViewedWith.shape.clientId.optional(),
    events: z.array(reportedEvent).min(1).max(MAX_EVENTS_PER_CALL),
  })
  .refine((body) => body.consent === (body.clientId !== undefined), {
    message: 'clientId is sent exactly when consent is true',
    path: ['clientId'],
  });

export type CollectBody = z.infer<typeof collectBodySchema>;

/** `PUT /me/analytics-consent`. */
export const consentBodySchema = z.strictObject({
  granted: z.boolean().describe('true: accept analytics; false: decline.'),
});
