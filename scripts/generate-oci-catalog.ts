import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_BUCKETS, BUCKETS, type BucketName } from '#events/buckets.ts';
import { QUEUE_SPECS } from '#events/queues.ts';
import { type EventCondition, rulesFromManifests } from '#events/rules.ts';
import { SCHEDULE_TICK_TYPE, type ScheduleTick } from '#events/schedule-tick.ts';
import { AUTHORIZER_FUNCTION, catalog } from '#functions/index.ts';
import { SECRET_CONFIG_KEYS } from '#shared/config/secret-keys.ts';
import { METRICS_CONFIG_KEYS } from '#shared/metrics/config.ts';
import { AUTH_CONTEXT_HEADERS } from '#shared/runtime/auth-context.ts';
import type { FunctionManifest, HttpRoute, RouteAuth } from '#shared/runtime/manifest.ts';
import { transcoderConfigKeys } from '../workers/transcoder/config.ts';

/**
 * Writes `infra/oci/catalog.generated.json`: everything Terraform builds per function, route,
 * rule, queue, topic and secret, derived from the same catalog the local cloud runs. Terraform
 * reads it with `jsondecode(file(...))`, so nothing is listed twice. Run `npm run catalog:oci`.
 */
export const CATALOG_PATH = fileURLToPath(new URL('../infra/oci/catalog.generated.json', import.meta.url));

const BUCKET_PURPOSES: Record<BucketName, string> = {
  [BUCKETS.incomingDesigns]:
    'Designers upload design files here through presigned PUTs; ip-upload seals and deletes them.',
  [BUCKETS.vault]:
    'Envelope-encrypted design files (AES-256-GCM, data keys wrapped by the Vault master key).',
  [BUCKETS.rawVideo]: 'Video sources uploaded through presigned PUTs; the transcoder reads them.',
  [BUCKETS.media]:
    'Public-facing derivatives served through Fastly: HLS renditions, posters, thumbnails, master playlists.',
};

/** Where the API Gateway deployment for ordinary routes lives; root routes get their own. */
const API_PATH_PREFIX = '/v1';

type OciAuthorization =
  | { readonly type: 'ANONYMOUS' }
  | { readonly type: 'AUTHENTICATION_ONLY' }
  | { readonly type: 'ANY_OF'; readonly allowedScope: readonly string[] };

export interface CatalogRoute {
  readonly function: string;
  readonly method: string;
  /** Below the deployment's path prefix. */
  readonly path: string;
  readonly authorization: OciAuthorization;
}

export interface CatalogSchedule {
  readonly function: string;
  readonly schedule: string;
  readonly everySeconds: number;
  readonly cron: string;
  readonly tick: ScheduleTick;
}

function authorization(auth: RouteAuth): OciAuthorization {
  if (auth.type === 'anonymous') return { type: 'ANONYMOUS' };
  if (auth.anyOf.length === 0) return { type: 'AUTHENTICATION_ONLY' };
  return { type: 'ANY_OF', allowedScope: [...auth.anyOf] };
}

/** OCI Resource Scheduler's cron fires at most once a minute: faster schedules run every minute. */
export function cronFor(everySeconds: number): string {
  const minutes = Math.max(1, Math.round(everySeconds / 60));
  if (minutes === 1) return '* * * * *';
  if (minutes < 60 && 60 % minutes === 0) return `*/${minutes} * * * *`;
  if (minutes % 60 === 0 && minutes <= 1440) {
    const hours = minutes / 60;
    return hours === 1 ? '0 * * * *' : hours === 24 ? '0 0 * * *' : `0 */${hours} * * *`;
  }
  throw new Error(`a schedule of ${everySeconds} s has no cron form (use a divisor of an hour or a day)`);
}

function splitConfig(keys: readonly string[]) {
  const secret = new Set<string>(SECRET_CONFIG_KEYS);
  return {
    plainConfigKeys: [...new Set(keys.filter((key) => !secret.has(key)))].sort(),
    secretConfigKeys: [...new Set(keys.filter((key) => secret.has(key)))].sort(),
  };
}

/** `/.well-known/fastly/logging/challenge` → deployment `/.well-known`, route `/fastly/logging/challenge`. */
function splitRootPath(route: HttpRoute): { pathPrefix: string; path: string } {
  const match = /^(\/[^/]+)(\/.+)$/.exec(route.path);
  if (!match?.[1] || !match[2]) throw new Error(`root route ${route.path} needs a prefix segment and a path`);
  return { pathPrefix: match[1], path: match[2] };
}

const deploymentKey = (pathPrefix: string) =>
  pathPrefix.replace(/[^a-z0-9-]+/gi, '-').replace(/^-+|-+$/g, '');
const routeKey = (method: string, pathPrefix: string, routePath: string) =>
  `${method} ${pathPrefix}${routePath}`;

function bucketOf(condition: EventCondition): string {
  const data = condition.data as EventCondition | undefined;
  const details = data?.additionalDetails as EventCondition | undefined;
  const names = details?.bucketName;
  if (!Array.isArray(names) || names.length !== 1 || typeof names[0] !== 'string') {
    throw new Error('an event rule must name exactly one bucket');
  }
  return names[0];
}

function functionEntry(manifest: FunctionManifest) {
  // Read defensively: an older manifest type had no notifications field.
  const notifications = (manifest as { notifications?: readonly { topic: string }[] }).notifications ?? [];
  return {
    kind: manifest.kind,
    summary: manifest.summary,
    memoryMb: manifest.memoryMb,
    timeoutSeconds: manifest.timeoutSeconds,
    ...splitConfig(manifest.config),
    routes: manifest.routes.map((route) => ({
      method: route.method,
      path: route.path,
      authorization: authorization(route.auth),
      root: route.root === true,
    })),
    events: manifest.events.map((trigger) => ({
      bucket: trigger.bucket,
      eventTypes: [...trigger.eventTypes],
      ...(trigger.objectName === undefined ? {} : { objectName: trigger.objectName }),
    })),
    schedules: (manifest.schedules ?? []).map((schedule) => ({
      name: schedule.name,
      everySeconds: schedule.everySeconds,
    })),
    notifications: notifications.map(({ topic }) => ({ topic })),
    // IAM: stream-push for a publisher, stream-pull for a consumer, nothing otherwise.
    eventStream: manifest.eventStream?.access ?? 'none',
  };
}

export function buildOciCatalog() {
  const manifests = catalog.map((entry) => entry.manifest);
  const names = new Set<string>();
  for (const manifest of manifests) {
    if (names.has(manifest.name)) throw new Error(`function ${manifest.name} is listed twice`);
    names.add(manifest.name);
  }

  const routes: Record<string, CatalogRoute> = {};
  const rootDeployments: Record<string, { pathPrefix: string; routes: Record<string, CatalogRoute> }> = {};
  for (const manifest of manifests) {
    for (const route of manifest.routes) {
      const entry = {
        function: manifest.name,
        method: route.method,
        authorization: authorization(route.auth),
      };
      if (route.root === true) {
        const { pathPrefix, path: routePath } = splitRootPath(route);
        const deployment = rootDeployments[deploymentKey(pathPrefix)] ?? { pathPrefix, routes: {} };
        rootDeployments[deploymentKey(pathPrefix)] = deployment;
        const key = routeKey(route.method, pathPrefix, routePath);
        if (key in deployment.routes) throw new Error(`route ${key} is declared twice`);
        deployment.routes[key] = { ...entry, path: routePath };
      } else {
        const key = routeKey(route.method, API_PATH_PREFIX, route.path);
        if (key in routes) throw new Error(`route ${key} is declared twice`);
        routes[key] = { ...entry, path: route.path };
      }
    }
  }

  const eventRules = Object.fromEntries(
    rulesFromManifests(manifests).map((rule) => [
      rule.name,
      { functionName: rule.functionName, bucket: bucketOf(rule.condition), condition: rule.condition },
    ]),
  );

  const schedules: Record<string, CatalogSchedule> = {};
  const topics: Record<string, { subscribers: string[] }> = {};
  for (const [name, fn] of manifests.map((manifest) => [manifest.name, functionEntry(manifest)] as const)) {
    for (const schedule of fn.schedules) {
      schedules[`${name}-${schedule.name}`] = {
        function: name,
        schedule: schedule.name,
        everySeconds: schedule.everySeconds,
        cron: cronFor(schedule.everySeconds),
        // Resource Scheduler sends a fixed body; the handlers need no unique id per tick.
        tick: {
          eventType: SCHEDULE_TICK_TYPE,
          eventID: `${name}:${schedule.name}:resource-scheduler`,
          eventTime: '1970-01-01T00:00:00Z',
          data: { function: name, schedule: schedule.name },
        },
      };
    }
    for (const { topic } of fn.notifications) {
      topics[topic] = { subscribers: [...(topics[topic]?.subscribers ?? []), name] };
    }
  }

  const objectEventBuckets = new Set(Object.values(eventRules).map((rule) => rule.bucket));
  const secretKeysInUse = new Set<string>(
    [...manifests.flatMap((manifest) => manifest.config), ...transcoderConfigKeys].filter((key) =>
      (SECRET_CONFIG_KEYS as readonly string[]).includes(key),
    ),
  );

  return sortKeys({
    $comment: 'Generated by `npm run catalog:oci` from functions/index.ts, events/ and shared/. Do not edit.',
    apiPathPrefix: API_PATH_PREFIX,
    // The authorizer's context keys and the headers API Gateway sets from them.
    authContextHeaders: AUTH_CONTEXT_HEADERS,
    authorizer: AUTHORIZER_FUNCTION,
    buckets: Object.fromEntries(
      ALL_BUCKETS.map((bucket) => [
        bucket,
        { purpose: BUCKET_PURPOSES[bucket], objectEvents: objectEventBuckets.has(bucket) },
      ]),
    ),
    eventRules,
    functions: Object.fromEntries(manifests.map((manifest) => [manifest.name, functionEntry(manifest)])),
    metricsConfigKeys: [...METRICS_CONFIG_KEYS].sort(),
    queues: QUEUE_SPECS,
    rootDeployments,
    routes,
    schedules,
    secretKeys: [...SECRET_CONFIG_KEYS].filter((key) => secretKeysInUse.has(key)).sort(),
    topics,
    workers: { transcoder: splitConfig(transcoderConfigKeys) },
  });
}

/** Stable output: object keys sorted at every level, arrays kept in order. */
function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, inner]) => [key, sortKeys(inner)]),
  ) as T;
}

/** Line width of the repository's formatter (biome.json), which also checks this file. */
const LINE_WIDTH = 110;

/**
 * 2-space JSON as Biome formats it: objects expanded, arrays of scalars on one line when they
 * fit, so `biome check .` accepts the generated file as written.
 */
export function toJson(value: unknown, indent = '', prefix = '', suffix = ''): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  // What follows the value on its line: a comma, except after the last member.
  const separator = (index: number, count: number) => (index < count - 1 ? ',' : '');
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const scalars = value.every((item) => item === null || typeof item !== 'object');
    const flat = `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
    if (scalars && indent.length + prefix.length + flat.length + suffix.length <= LINE_WIDTH) return flat;
    const items = value.map(
      (item, index) => `${inner}${toJson(item, inner, '', separator(index, value.length))}`,
    );
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([key, item], index) => {
    const keyText = `${JSON.stringify(key)}: `;
    return `${inner}${keyText}${toJson(item, inner, keyText, separator(index, entries.length))}`;
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

export const renderOciCatalog = () => `${toJson(buildOciCatalog())}\n`;

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await writeFile(CATALOG_PATH, renderOciCatalog());
  console.log(`wrote ${path.relative(process.cwd(), CATALOG_PATH)}`);
}
