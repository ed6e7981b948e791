/**
 * Google Analytics 4 Measurement Protocol (gtag, web streams): the request forgecast sends from the
 * server and the documented limits it keeps. GA4 answers 2xx even for a payload it drops, so the
 * request is built within the limits here rather than trusted to be checked there
 * (https://developers.google.com/analytics/devguides/collection/protocol/ga4/sending-events).
 */
export const GA4_LIMITS = {
  eventsPerRequest: 25,
  paramsPerEvent: 25,
  nameLength: 40,
  paramValueLength: 100,
  /** page_location may be longer than other parameters. */
  pageLocationLength: 1000,
  itemsPerEvent: 200,
  userIdLength: 256,
  requestBytes: 130 * 1024,
  /** Events may be dated at most 72 hours back (timestamp_micros). */
  maxAgeMs: 72 * 3_600_000,
} as const;

/** Item of an ecommerce event (`purchase`, `begin_checkout`). */
export interface Ga4Item {
  readonly item_id: string;
  readonly quantity?: number;
}

export type Ga4ParamValue = string | number | readonly Ga4Item[];

export interface Ga4Event {
  readonly name: string;
  readonly params: Readonly<Record<string, Ga4ParamValue>>;
  /** When it happened, overriding the request's timestamp_micros. */
  readonly timestamp_micros?: number;
}

/** The JSON body of `POST /mp/collect`. */
export interface Ga4Request {
  readonly client_id: string;
  readonly user_id?: string;
  readonly timestamp_micros?: number;
  readonly events: readonly Ga4Event[];
}

/** Names: letters, digits and underscores, starting with a letter, at most 40 characters. */
export const GA4_NAME = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

/** A parameter's string value cut to GA4's length (longer values are dropped there, not cut). */
export function ga4Text(value: string, limit: number = GA4_LIMITS.paramValueLength): string {
  return [...value].slice(0, limit).join('');
}
