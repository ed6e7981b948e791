import { z } from 'zod';
import type { PublishedEvent } from '#events/domain/stream-message.ts';
import { GA4_LIMITS, type Ga4Event, ga4Text } from './measurement-protocol.ts';
import { serverClientIdOf } from './visitor-ids.ts';

/** One GA4 event and whose it is: requests group hits of one client and user. */
export interface Ga4Hit {
  readonly clientId: string;
  readonly userId?: string;
  readonly timestampMicros: number;
  readonly event: Ga4Event;
}

/** What mapping needs besides the event: the site the paths are on, and the people who consent. */
export interface Ga4MappingContext {
  /** The portal's origin: page paths become GA4's page_location URLs on it. */
  readonly siteOrigin: string;
  /** The salted hash analytics knows a person by (shared/analytics/visitor-ids.ts). */
  readonly userIdHashOf: (userId: string) => string;
  /** People who consent to analytics now, of those the events name. */
  readonly consenting: ReadonlySet<string>;
}

/** Event types the forwarder reads besides its own: purchases, sent only for a consenting buyer. */
export const FORWARDED_DOMAIN_EVENT_TYPES = ['tickets.issued'] as const;

// Only what mapping reads, leniently: the catalogue's own schema already checked the payload when
// the stream message was decoded, and order value members may be missing on older events.
const visitorPayload = z.object({
  page: z.string(),
  path: z.string(),
  showId: z.string().optional(),
  designId: z.string().optional(),
  action: z.string().optional(),
  consent: z.boolean(),
  clientId: z.string().optional(),
  userIdHash: z.string().optional(),
});

const ticketsIssuedPayload = z.object({
  holdId: z.string(),
  showId: z.string(),
  holderUserId: z.string().nullable(),
  quantity: z.number(),
  amountTotal: z.number().optional(),
  currency: z.string().optional(),
});

// Stripe's zero- and three-decimal currencies: every other amount is in hundredths.
const ZERO_DECIMAL = new Set('bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf'.split(' '));
const THREE_DECIMAL = new Set('bhd jod kwd omr tnd'.split(' '));

export function majorUnits(amount: number, currency: string): number {
  const code = currency.toLowerCase();
  if (ZERO_DECIMAL.has(code)) return amount;
  return amount / (THREE_DECIMAL.has(code) ? 1000 : 100);
}

const timestampOf = (event: PublishedEvent) => Date.parse(event.occurredAt) * 1000;

/** The people a batch's domain events name, whose consent decides whether they are sent. */
export function peopleNamedIn(events: readonly PublishedEvent[]): string[] {
  const people = new Set<string>();
  for (const event of events) {
    if (event.type !== 'tickets.issued') continue;
    const payload = ticketsIssuedPayload.safeParse(event.payload);
    if (payload.success && payload.data.holderUserId) people.add(payload.data.holderUserId);
  }
  return [...people];
}

/**
 * The GA4 event for a stream event, or undefined when it must not (or need not) go: an analytics
 * event without consent, a purchase by an organisation or by a person who does not consent, any
 * other type. Parameter values are cut to GA4's limits.
 */
export function toGa4Hit(event: PublishedEvent, context: Ga4MappingContext): Ga4Hit | undefined {
  if (event.type === 'analytics.page_viewed' || event.type === 'analytics.action') {
    const payload = visitorPayload.safeParse(event.payload);
    if (!payload.success || !payload.data.consent) return undefined;
    const { clientId, ...visit } = payload.data;
    if (!clientId) return undefined;
    const params: Record<string, string | number> = {
      page_location: ga4Text(`${context.siteOrigin}${visit.path}`, GA4_LIMITS.pageLocationLength),
      page_kind: visit.page,
      // GA4 counts a user active only with some engagement time.
      engagement_time_msec: 1,
      ...(visit.showId ? { show_id: ga4Text(visit.showId) } : {}),
      ...(visit.designId ? { design_id: ga4Text(visit.designId) } : {}),
    };
    const name = event.type === 'analytics.page_viewed' ? 'page_view' : (visit.action ?? 'action');
    if (name === 'sign_up' || name === 'login') params.method = 'forgecast';
    return {
      clientId,
      ...(visit.userIdHash ? { userId: visit.userIdHash } : {}),
      timestampMicros: timestampOf(event),
      event: { name, params },
    };
  }
  if (event.type === 'tickets.issued') {
    const payload = ticketsIssuedPayload.safeParse(event.payload);
    if (!payload.success) return undefined;
    const order = payload.data;
    if (!order.holderUserId || !context.consenting.has(order.holderUserId)) return undefined;
    const userId = context.userIdHashOf(order.holderUserId);
    const value: Record<string, string | number> =
      order.amountTotal !== undefined && order.currency
        ? { currency: order.currency.toUpperCase(), value: majorUnits(order.amountTotal, order.currency) }
        : {};
    return {
      clientId: serverClientIdOf(userId),
      userId,
      timestampMicros: timestampOf(event),
      event: {
        name: 'purchase',
        params: {
          transaction_id: ga4Text(order.holdId),
          ...value,
          items: [{ item_id: ga4Text(order.showId), quantity: order.quantity }],
          engagement_time_msec: 1,
        },
      },
    };
  }
  return undefined;
}
