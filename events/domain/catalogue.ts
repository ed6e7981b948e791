import { z } from 'zod';

/**
 * The catalogue of domain events: every event written to the outbox, with its version, the
 * aggregates it belongs to and the schema of its payload. The outbox writer
 * (`shared/outbox/outbox.ts`) refuses an event that is not here or does not match; `docs/events.md`
 * and `docs/events.json` are generated from it (`npm run events:doc`).
 *
 * Versions: a payload changes compatibly (a new optional member) within its version; anything
 * else is a new version beside the old one. Every type is at version 1 today, so an outbox row's
 * version is its type's (a later `event_version` column defaulting to 1 is exact for every row
 * written before it).
 */
export interface EventDefinition<P extends z.ZodType = z.ZodType> {
  readonly version: number;
  /** The aggregates it is written for (`outbox.aggregate_type`); the id is `outbox.aggregate_id`. */
  readonly aggregateTypes: readonly [string, ...string[]];
  readonly summary: string;
  /** The file that writes it, for the catalogue document. */
  readonly writtenBy: readonly string[];
  readonly payload: P;
  /** A payload that matches, for the catalogue document and the tests. */
  readonly example: z.input<P>;
}

const define = <const A extends readonly [string, ...string[]], P extends z.ZodType>(
  definition: EventDefinition<P> & { readonly aggregateTypes: A },
) => definition;

const id = z.string().min(1);
const nullableId = id.nullable();
const count = z.number().int().nonnegative();
const isoTime = z.iso.datetime();

// Tickets and orders: the order (seat hold) members every order event carries.
const orderMembers = {
  holdId: id.describe('The seat hold the order is.'),
  showId: id,
  holderOrgId: nullableId.describe('The buying organisation (API key), or null for a person.'),
  holderUserId: nullableId.describe('The buying person (portal session), or null.'),
};

const ticketsRevokedForOrder = z.strictObject({
  ...orderMembers,
  reason: z.enum(['refunded', 'disputed']),
  count: count.describe('Tickets the revocation changed.'),
});

const ticketRevokedAtTheDoor = z.strictObject({
  ticketId: id,
  showId: id,
  holdId: id,
  holderOrgId: nullableId,
  holderUserId: nullableId,
  reason: z.string().describe('The reason the creator gave.'),
  revokedBy: z.string().describe('The organisation that revoked it.'),
});

const liveFailure = z.strictObject({ code: z.string(), reason: z.string() });

// What an order is worth and whose show it is: the creator dashboards add these up (optional, so
// events written before they were added stay valid).
const currency = z
  .string()
  .regex(/^[a-z]{3}$/)
  .describe('ISO 4217, lower-case as Stripe writes it.');
const orderValueMembers = {
  showOrgId: id.optional().describe("The show's organisation (its creator)."),
  amountTotal: count.optional().describe("The order's price in the currency's smallest unit."),
  currency: currency.optional(),
};

// Analytics: what the portal and the shows app report of a visit (shared/analytics/visitor-events.ts).
// Identifiers are members only with consent; without it an event names no one (docs/analytics.md).
const pageKind = z
  .enum(['catalogue', 'show', 'checkout', 'watch', 'tickets', 'door', 'studio', 'portal', 'sign_in', 'other'])
  .describe("The kind of page: `show` is one show's page (with `showId`), `portal` any portal page.");
const visitedPlace = {
  page: pageKind,
  path: z
    .string()
    .max(256)
    .regex(/^\/[^?#\s]*$/)
    .describe('The page path, without query or fragment.'),
  showId: z.string().min(1).max(64).optional().describe('The show the page is about.'),
  designId: z.string().min(1).max(64).optional().describe('The design the page is about.'),
};
const withoutConsent = { consent: z.literal(false).describe('No analytics consent: no identifier at all.') };
const withConsent = {
  consent: z.literal(true),
  clientId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{8,64}$/)
    .describe('A random id the browser keeps for analytics (GA4 client_id); only with consent.'),
  userIdHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional()
    .describe('The signed-in person, as a salted SHA-256 (never the raw id); only with consent.'),
};
const visitorEvent = <M extends z.core.$ZodLooseShape>(members: M) =>
  z.discriminatedUnion('consent', [
    z.strictObject({ ...members, ...withoutConsent }),
    z.strictObject({ ...members, ...withConsent }),
  ]);

export const DOMAIN_EVENTS = {
  'design.registered': define({
    version: 1,
    aggregateTypes: ['design'],
    summary: 'An uploaded design passed its checks and its hash is registered on the ledger.',
    writtenBy: ['shared/designs/design-repository.ts'],
    example: {
      designId: 'd-1',
      orgId: 'org-1',
      sha256: 'ab'.repeat(32),
      txHash: `0x${'12'.repeat(32)}`,
      blockNumber: 42,
    },
    payload: z.strictObject({
      designId: id,
      orgId: id,
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      txHash: z.string().nullable(),
      blockNumber: count.nullable(),
    }),
  }),
  'design.rejected': define({
    version: 1,
    aggregateTypes: ['design'],
    summary: 'An upload was refused; nothing of it is kept.',
    writtenBy: ['shared/designs/design-repository.ts'],
    example: { designId: 'd-1', orgId: 'org-1', code: 'not_manifold', reason: 'The mesh is not closed.' },
    payload: z.strictObject({ designId: id, orgId: id, code: z.string(), reason: z.string() }),
  }),
  'license.minted': define({
    version: 1,
    aggregateTypes: ['license'],
    summary: 'A license token is on the ledger and the license is active.',
    writtenBy: ['shared/licenses/license-repository.ts'],
    example: {
      licenseId: 'l-1',
      designId: 'd-1',
      holderOrgId: 'org-2',
      tokenId: '7',
      txHash: `0x${'34'.repeat(32)}`,
      designOrgId: 'org-1',
    },
    payload: z.strictObject({
      licenseId: id,
      designId: id,
      holderOrgId: id,
      tokenId: z.string(),
      txHash: z.string().nullable(),
      designOrgId: id.optional().describe("The design's owner (its designer's organisation)."),
    }),
  }),
  'license.failed': define({
    version: 1,
    aggregateTypes: ['license'],
    summary: 'Minting a license failed for good.',
    writtenBy: ['shared/licenses/license-repository.ts'],
    example: { licenseId: 'l-1', reason: 'the ledger refused the mint' },
    payload: z.strictObject({ licenseId: id, reason: z.string() }),
  }),
  'license.revoked': define({
    version: 1,
    aggregateTypes: ['license'],
    summary: 'A license was revoked (by its designer, or seen revoked on the ledger).',
    writtenBy: ['shared/licenses/license-repository.ts'],
    example: { licenseId: 'l-1', tokenId: '7', reason: 'revoked by the designer' },
    payload: z.strictObject({ licenseId: id, tokenId: z.string().nullable(), reason: z.string() }),
  }),
  'print.authorized': define({
    version: 1,
    aggregateTypes: ['license'],
    summary: 'A printer was granted one print of a licensed design.',
    writtenBy: ['shared/licenses/print-ledger.ts'],
    example: {
      jobId: 'j-1',
      licenseId: 'l-1',
      designId: 'd-1',
      printerId: 'p-1',
      orgId: 'org-2',
      grantExpiresAt: '2026-12-07T16:00:00.000Z',
    },
    payload: z.strictObject({
      jobId: id,
      licenseId: id,
      designId: id,
      printerId: id,
      orgId: id,
      grantExpiresAt: isoTime,
    }),
  }),
  'print.expired': define({
    version: 1,
    aggregateTypes: ['license'],
    summary: 'A print grant lapsed unused; its print goes back to the license.',
    writtenBy: ['shared/licenses/print-ledger.ts'],
    example: { jobId: 'j-1', licenseId: 'l-1', printerId: 'p-1' },
    payload: z.strictObject({ jobId: id, licenseId: id, printerId: id }),
  }),
  'print.completed': define({
    version: 1,
    aggregateTypes: ['license'],
    summary: 'A printer reported a granted print finished.',
    writtenBy: ['shared/licenses/print-ledger.ts'],
    example: {
      jobId: 'j-1',
      licenseId: 'l-1',
      printerId: 'p-1',
      orgId: 'org-2',
      outcome: 'succeeded',
      counted: true,
      refunded: false,
      designId: 'd-1',
      designOrgId: 'org-1',
    },
    payload: z.strictObject({
      jobId: id,
      licenseId: id,
      printerId: id,
      orgId: id,
      outcome: z.enum(['succeeded', 'failed']),
      counted: z.boolean().describe('The print counts against the license.'),
      refunded: z.boolean().describe('A failed print went back to the license.'),
      designId: id.optional().describe("The license's design."),
      designOrgId: id.optional().describe("The design's owner (its designer's organisation)."),
    }),
  }),
  'prints.settled': define({
    version: 1,
    aggregateTypes: ['license'],
    summary: "A batch of a license's prints is settled on the ledger.",
    writtenBy: ['shared/licenses/settlement-repository.ts'],
    example: {
      licenseId: 'l-1',
      tokenId: '7',
      jobIds: ['j-1', 'j-2'],
      prints: 2,
      txHash: `0x${'56'.repeat(32)}`,
      settlementId: 3,
      source: 'settler',
    },
    payload: z.strictObject({
      licenseId: id,
      tokenId: z.string().nullable(),
      jobIds: z.array(id).min(1),
      prints: count,
      txHash: z.string().nullable(),
      settlementId: z.number().int().nullable(),
      source: z.enum(['settler', 'recovery', 'indexer']),
    }),
  }),
  'show.created': define({
    version: 1,
    aggregateTypes: ['show'],
    summary: 'A creator put a show on sale.',
    writtenBy: ['shared/shows/show-repository.ts'],
    example: {
      showId: 's-1',
      orgId: 'org-1',
      startsAt: '2026-12-24T19:00:00.000Z',
      capacity: 100,
      priceAmount: 1500,
      currency: 'eur',
      videoId: null,
    },
    payload: z.strictObject({
      showId: id,
      orgId: id.describe("The show's organisation (its creator)."),
      startsAt: isoTime,
      capacity: count,
      priceAmount: count.describe("A seat's price in the currency's smallest unit."),
      currency,
      videoId: nullableId.describe('The video it shows, when it has one.'),
    }),
  }),
  'order.placed': define({
    version: 1,
    aggregateTypes: ['order'],
    summary: 'A checkout started: seats are held for the buyer while they pay.',
    writtenBy: ['shared/shows/seat-holds.ts'],
    example: {
      holdId: 'h-1',
      showId: 's-1',
      holderOrgId: null,
      holderUserId: 'u-1',
      showOrgId: 'org-1',
      quantity: 2,
      amountTotal: 3000,
      currency: 'eur',
      expiresAt: '2026-12-07T16:00:00.000Z',
    },
    payload: z.strictObject({
      ...orderMembers,
      showOrgId: id.describe("The show's organisation (its creator)."),
      quantity: count,
      amountTotal: count.describe("The order's price in the currency's smallest unit."),
      currency,
      expiresAt: isoTime.describe('When the held seats go back on sale unless paid.'),
    }),
  }),
  'tickets.issued': define({
    version: 1,
    aggregateTypes: ['order'],
    summary: "A paid order's tickets were issued.",
    writtenBy: ['shared/shows/fulfilment.ts'],
    example: {
      holdId: 'h-1',
      showId: 's-1',
      holderOrgId: null,
      holderUserId: 'u-1',
      ticketIds: ['t-1', 't-2'],
      quantity: 2,
      paymentIntentId: 'pi_123',
      showOrgId: 'org-1',
      amountTotal: 3000,
      currency: 'eur',
    },
    payload: z.strictObject({
      ...orderMembers,
      ticketIds: z.array(id),
      quantity: count,
      paymentIntentId: z.string().nullable(),
      ...orderValueMembers,
    }),
  }),
  'tickets.revoked': define({
    version: 1,
    aggregateTypes: ['order', 'ticket'],
    summary:
      "Tickets were revoked: an order's (aggregate `order`, refunded or disputed) or one ticket at the door (aggregate `ticket`).",
    writtenBy: ['shared/shows/fulfilment.ts', 'shared/shows/ticket-repository.ts'],
    example: {
      holdId: 'h-1',
      showId: 's-1',
      holderOrgId: null,
      holderUserId: 'u-1',
      reason: 'refunded',
      count: 2,
    },
    payload: z.union([ticketsRevokedForOrder, ticketRevokedAtTheDoor]),
  }),
  'order.refunded': define({
    version: 1,
    aggregateTypes: ['order'],
    summary: 'An order was refunded (before or after its tickets were issued).',
    writtenBy: ['shared/shows/fulfilment.ts'],
    example: {
      holdId: 'h-1',
      showId: 's-1',
      holderOrgId: null,
      holderUserId: 'u-1',
      refundId: 're_123',
      reason: 'show cancelled',
      paymentIntentId: 'pi_123',
      showOrgId: 'org-1',
      amountTotal: 3000,
      currency: 'eur',
    },
    payload: z.strictObject({
      ...orderMembers,
      refundId: z.string().nullable().describe('The Stripe refund, or null when Stripe refunded the charge.'),
      reason: z.string().nullable(),
      paymentIntentId: z.string().nullable(),
      ...orderValueMembers,
    }),
  }),
  'live.started': define({
    version: 1,
    aggregateTypes: ['live_stream'],
    summary: 'A live stream session produced its first segments.',
    writtenBy: ['shared/live/live-stream-repository.ts'],
    example: { streamId: 'ls-1', assetId: 'v-1', showId: 's-1', session: 1, protocol: 'rtmp' },
    payload: z.strictObject({
      streamId: id,
      assetId: id,
      showId: nullableId,
      session: count,
      protocol: z.enum(['rtmp', 'whip']).nullable(),
    }),
  }),
  'live.ended': define({
    version: 1,
    aggregateTypes: ['live_stream'],
    summary: 'A live stream ended for good (its recording queued, or failed with nothing recorded).',
    writtenBy: ['shared/live/live-stream-repository.ts'],
    example: {
      streamId: 'ls-1',
      assetId: 'v-1',
      showId: 's-1',
      status: 'ended',
      endReason: 'ended-by-creator',
      sessions: 1,
      recordedSeconds: 3600,
      recording: 'queued',
    },
    payload: z.strictObject({
      streamId: id,
      assetId: id,
      showId: nullableId,
      status: z.enum(['ended', 'failed']),
      endReason: z.enum([
        'ended-by-creator',
        'reconnect-window-expired',
        'show-cancelled',
        'max-duration',
        'asset-deleted',
      ]),
      sessions: count,
      recordedSeconds: z.number().nonnegative(),
      recording: z.enum(['none', 'queued']),
      failure: liveFailure.optional(),
    }),
  }),
  'live.recording_ready': define({
    version: 1,
    aggregateTypes: ['live_stream'],
    summary: "A live stream's recording is published as video on demand.",
    writtenBy: ['shared/live/live-stream-repository.ts'],
    example: {
      streamId: 'ls-1',
      assetId: 'v-1',
      showId: 's-1',
      attempt: 1,
      mediaPrefix: 'videos/v-1/1/',
      durationSeconds: 3600,
    },
    payload: z.strictObject({
      streamId: id,
      assetId: id,
      showId: nullableId,
      attempt: count,
      mediaPrefix: z.string(),
      durationSeconds: z.number().nonnegative(),
    }),
  }),
  'video.ready': define({
    version: 1,
    aggregateTypes: ['video'],
    summary: 'A video is transcoded and published.',
    writtenBy: ['shared/video/video-repository.ts'],
    example: {
      videoId: 'v-1',
      attempt: 1,
      mediaPrefix: 'videos/v-1/1/',
      durationSeconds: 95.5,
      renditions: ['360p', '720p'],
    },
    payload: z.strictObject({
      videoId: id,
      attempt: count,
      mediaPrefix: z.string(),
      durationSeconds: z.number().nonnegative(),
      renditions: z.array(z.string()),
    }),
  }),
  'playback.tallied': define({
    version: 1,
    // `<assetId>:<day>:<viewerHash>`: one viewer's day of one video, unordered against the others.
    aggregateTypes: ['playback'],
    summary:
      "One viewer's CDN traffic for a video on one UTC day, from one ingested log batch (a viewer's day may span several batches: add them up). Its aggregate (`playback`) is the video, the day and the viewer hash, joined by colons.",
    writtenBy: ['functions/cdn-logs/ingest.ts'],
    example: {
      assetId: 'v-1',
      orgId: 'org-1',
      day: '2026-12-07',
      viewerHash: 'ab'.repeat(16),
      requests: 40,
      servedRequests: 39,
      views: 1,
      bytes: 52_000_000,
      secondsWatched: 148,
    },
    payload: z.strictObject({
      assetId: id,
      orgId: id.describe("The video's organisation."),
      day: z.iso.date().describe('The UTC day of the requests.'),
      viewerHash: z
        .string()
        .regex(/^[0-9a-f]{32}$/)
        .describe('A salted hash of the client address and user agent (the address is not kept).'),
      requests: count.describe('Every logged request, refused ones included.'),
      servedRequests: count.describe('Requests answered with content or a revalidation (2xx, 304).'),
      views: count.describe('Served GETs of the master playlist: a player starting playback.'),
      bytes: count.describe('Body bytes sent.'),
      secondsWatched: count.describe(
        'Distinct media segments served (any rendition counts once) times their length.',
      ),
    }),
  }),
  'video.failed': define({
    version: 1,
    aggregateTypes: ['video'],
    summary: 'A video failed to transcode for good.',
    writtenBy: ['shared/video/video-repository.ts'],
    example: { videoId: 'v-1', code: 'unsupported_codec', reason: 'The source has no video stream.' },
    payload: z.strictObject({ videoId: id, code: z.string(), reason: z.string().max(1000) }),
  }),
  'analytics.page_viewed': define({
    version: 1,
    aggregateTypes: ['visitor'],
    summary:
      "A page of the portal or the shows app was shown. The aggregate is the browser's client id with consent, else a random id per event.",
    writtenBy: ['shared/analytics/visitor-events.ts'],
    example: { page: 'show', path: '/shows/s-1', showId: 's-1', consent: false },
    payload: visitorEvent(visitedPlace),
  }),
  'analytics.action': define({
    version: 1,
    aggregateTypes: ['visitor'],
    summary: 'A key action in the portal or the shows app (begin checkout, sign up, start an upload).',
    writtenBy: ['shared/analytics/visitor-events.ts'],
    example: {
      action: 'begin_checkout',
      page: 'show',
      path: '/shows/s-1',
      showId: 's-1',
      consent: true,
      clientId: 'c0ffee00-1234',
    },
    payload: visitorEvent({
      action: z.enum(['begin_checkout', 'sign_up', 'login', 'upload_started']),
      ...visitedPlace,
    }),
  }),
} as const;

export type DomainEventType = keyof typeof DOMAIN_EVENTS;
type Definitions = typeof DOMAIN_EVENTS;

export type DomainEventPayload<T extends DomainEventType> = z.input<Definitions[T]['payload']>;

/** What a repository hands the outbox: one member per event type, its payload typed. */
export type DomainEvent = {
  [T in DomainEventType]: {
    readonly type: T;
    readonly aggregateType: Definitions[T]['aggregateTypes'][number];
    readonly aggregateId: string;
    /** Defaults to the database's clock at the INSERT. */
    readonly occurredAt?: Date;
    readonly payload: DomainEventPayload<T>;
  };
}[DomainEventType];

export const DOMAIN_EVENT_TYPES = Object.keys(DOMAIN_EVENTS) as DomainEventType[];

export const isDomainEventType = (type: string): type is DomainEventType =>
  Object.hasOwn(DOMAIN_EVENTS, type);
