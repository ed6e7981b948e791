import type { z } from 'zod';
import type { ObjectEventTrigger } from '#events/object-storage-event.ts';

export type { ObjectEventTrigger };

import type { AppError } from '../errors.ts';

/** OCI Functions accepts only these memory sizes. */
export type MemoryMb = 128 | 256 | 512 | 1024 | 2048 | 3072;
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * How API Gateway authorises a route: `anonymous` (ANONYMOUS), or authenticated by the custom
 * authorizer with `anyOf` scopes (ANY_OF; an empty list means AUTHENTICATION_ONLY).
 */
export type RouteAuth =
  | { readonly type: 'anonymous' }
  | { readonly type: 'scoped'; readonly anyOf: readonly string[] };

export interface HttpRoute {
  readonly method: HttpMethod;
  /** Path below the deployment prefix (`/v1`), OCI syntax: `/designs/{id}`, `/files/{rest*}`. */
  readonly path: string;
  readonly auth: RouteAuth;
  /**
   * Served at the host root, outside the deployment prefix: for paths a third party fixes, such
   * as Fastly's `/.well-known/fastly/logging/challenge`. OCI: a deployment whose path prefix is
   * the route's first segment.
   */
  readonly root?: boolean;
  /**
   * Names the route's contract in its manifest's `api` module (what it takes and answers, for the
   * API reference): stable and unique across the catalog, since client generators name methods
   * after it. A test fails for an HTTP route without one.
   */
  readonly operationId?: string;
}

/** One success answer of a route. */
export interface RouteResponse {
  readonly description: string;
  /** The JSON body's shape, when the code has a schema for it. */
  readonly schema?: z.ZodType;
  /** Defaults to `application/json`; a response with neither schema nor content type has no body. */
  readonly contentType?: string;
}

/**
 * A route's contract as the handler enforces it: the same zod schemas the handler validates
 * with, so the API reference cannot drift from the code. `scripts/generate-openapi.ts` turns it
 * into OpenAPI 3.1.
 */
export interface RouteApi {
  readonly summary: string;
  readonly description?: string;
  /** One member per `{name}` in the path. */
  readonly params?: z.ZodObject;
  readonly query?: z.ZodType;
  /** Request headers the route reads (names in lower case), beyond authentication. */
  readonly headers?: z.ZodObject;
  /**
   * The JSON request body, or `null` for a POST/PUT/PATCH that takes none. Required for those
   * methods so that forgetting the schema is visible; absent for GET and DELETE.
   */
  readonly body?: z.ZodType | null;
  /** The body is optional (an empty body means every member's default). */
  readonly bodyOptional?: boolean;
  readonly responses: Readonly<Record<number, RouteResponse>>;
  /**
   * The problems this route can answer beyond those every route shares (authentication,
   * validation, rate limit, outages): built by the same constructors the handler throws, so
   * the reference shows the real `type`, `title`, `status` and `code`.
   */
  readonly problems?: () => readonly AppError[];
}

/** A function's route contracts by operation id: what a manifest's `api` module exports. */
export type RouteContracts = Readonly<Record<string, RouteApi>>;

/**
 * A timer trigger: the function receives a schedule tick (events/schedule-tick.ts) every
 * `everySeconds`, never two at once. OCI: a Resource Scheduler schedule; local: infra/local/scheduler.ts.
 */
export interface ScheduleTrigger {
  readonly name: string;
  readonly everySeconds: number;
}

/**
 * A Notifications (ONS) topic the function subscribes to, by logical name: Terraform creates the
 * topic and an ORACLE_FUNCTIONS subscription; the function receives each message body (for a
 * Monitoring alarm, the alarm's JSON). Locally no one publishes; schedules cover the same work.
 */
export interface NotificationSubscription {
  readonly topic: string;
}

export type FunctionKind = 'http' | 'event' | 'authorizer';

/** `publish`: puts messages (the relay); `consume`: reads as consumer group `group`. */
export type EventStreamAccess =
  | { readonly access: 'publish' }
  | { readonly access: 'consume'; readonly group: string };

export interface FunctionManifest {
  readonly name: string;
  readonly summary: string;
  readonly kind: FunctionKind;
  readonly memoryMb: MemoryMb;
  /** Seconds; OCI allows 5..300 for synchronous calls. */
  readonly timeoutSeconds: number;
  readonly routes: readonly HttpRoute[];
  readonly events: readonly ObjectEventTrigger[];
  /** Timer triggers; only for `event` functions (a tick is an event). */
  readonly schedules?: readonly ScheduleTrigger[];
  /** Notifications topics to subscribe to; only for `event` functions. */
  readonly notifications?: readonly NotificationSubscription[];
  /**
   * What the function does with the domain event stream (shared/stream): the outbox relay
   * publishes, consumers read by group. Terraform grants exactly that (`use stream-push` or
   * `use stream-pull` on the one stream); a function without it gets neither.
   */
  readonly eventStream?: EventStreamAccess;
  /** Environment variables the function reads (its config schema's keys), for Terraform. */
  readonly config: readonly string[];
  /**
   * Loads the contracts its routes name by `operationId` (`./api.ts`). Behind a dynamic import
   * because every function loads the whole catalog at cold start, and the contracts' schemas
   * cost each of them ~15 ms of CPU there; only the API reference needs them.
   */
  readonly api?: () => Promise<{ readonly contracts: RouteContracts }>;
}

const TOPIC_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * Checks a manifest and returns it with its literal types (`const`), so `httpFunction` can demand
 * exactly one handler per `operationId` and type each route's `{name}` parameters.
 */
export function defineManifest<const M extends FunctionManifest>(manifest: M): M {
  if (manifest.timeoutSeconds < 5 || manifest.timeoutSeconds > 300) {
    throw new Error(`${manifest.name}: timeoutSeconds must be 5..300`);
  }
  if (manifest.kind === 'http' && manifest.routes.length === 0)
    throw new Error(`${manifest.name}: no routes`);
  const schedules = manifest.schedules ?? [];
  const notifications = manifest.notifications ?? [];
  if (
    manifest.kind === 'event' &&
    manifest.events.length === 0 &&
    schedules.length === 0 &&
    notifications.length === 0
  )
    throw new Error(`${manifest.name}: no events, schedules or notifications`);
  if (schedules.length > 0 && manifest.kind !== 'event')
    throw new Error(`${manifest.name}: only event functions take schedules`);
  if (notifications.length > 0 && manifest.kind !== 'event')
    throw new Error(`${manifest.name}: only event functions take notifications`);
  const topics = new Set<string>();
  for (const { topic } of notifications) {
    // Becomes part of Terraform resource names and the ONS topic name (letters, digits, -, _).
    if (!TOPIC_NAME.test(topic)) throw new Error(`${manifest.name}: topic ${topic} must match ${TOPIC_NAME}`);
    if (topics.has(topic)) throw new Error(`${manifest.name}: topic ${topic} is listed twice`);
    topics.add(topic);
  }
  for (const schedule of schedules) {
    // OCI Resource Scheduler's finest cron granularity is one minute; locally we go faster.
    if (!Number.isInteger(schedule.everySeconds) || schedule.everySeconds < 1) {
      throw new Error(`${manifest.name}: schedule ${schedule.name} needs everySeconds >= 1`);
    }
  }
  return manifest;
}
