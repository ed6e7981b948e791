import { createPool } from '#shared/db/pool.ts';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '#shared/errors.ts';
import { cookieRequestAllowed } from '#shared/people/origin-check.ts';
import { readCookie, sessionCookiePolicy } from '#shared/people/session-cookie.ts';
import {
  type AnalyticsConsent,
  findAnalyticsConsent,
  recordAnalyticsConsent,
} from '#shared/people/user-repository.ts';
import { type ApiRequest, parseJsonBody, validate } from '#shared/runtime/api.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { requirePrincipal } from '#shared/runtime/principal.ts';
import { type CollectDeps, collectEvents } from './collect.ts';
import { loadAnalyticsConfig } from './config.ts';
import { NotAPersonError } from './errors.ts';
import { analyticsManifest } from './manifest.ts';
import { collectBodySchema, consentBodySchema, MAX_COLLECT_BODY_BYTES } from './schema.ts';

const config = loadAnalyticsConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 2 });
const portalOrigin = new URL(config.PORTAL_ORIGIN).origin;
const cookies = sessionCookiePolicy(portalOrigin);
const deps: CollectDeps = { pool, userIdSalt: config.ANALYTICS_ID_SALT };

const header = (req: ApiRequest, name: string) => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * The session cookie, when the call comes from the portal's own pages: another site's page may
 * make a browser post here with the cookie, and must not make events in the person's name.
 */
function sessionIdOf(req: ApiRequest): string | undefined {
  const fromPortal = cookieRequestAllowed(
    { method: req.method, origin: header(req, 'origin'), secFetchSite: header(req, 'sec-fetch-site') },
    portalOrigin,
  );
  return fromPortal ? readCookie(req.headers.cookie, cookies.name) : undefined;
}

/** JSON, or the text/plain `navigator.sendBeacon` sends for a string; bounded before parsing. */
function collectBodyOf(req: ApiRequest) {
  if (req.rawBody.length > MAX_COLLECT_BODY_BYTES) {
    throw new PayloadTooLargeError(
      `Body is ${req.rawBody.length} bytes; the limit is ${MAX_COLLECT_BODY_BYTES}`,
    );
  }
  const type = req.headers['content-type'] ?? '';
  if (/^application\/json\b/i.test(type))
    return parseJsonBody(req, collectBodySchema, MAX_COLLECT_BODY_BYTES);
  if (!/^text\/plain\b/i.test(type)) throw new UnsupportedMediaTypeError('Send the body as application/json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.rawBody.toString('utf8'));
  } catch (cause) {
    throw new ValidationError('Body is not valid JSON', { cause });
  }
  return validate(collectBodySchema, parsed, 'body');
}

/** The person behind the session; API keys and printers have no analytics choice. */
function personOf(req: ApiRequest): string {
  const { userId } = requirePrincipal(req);
  if (!userId) throw new NotAPersonError();
  return userId;
}

const present = (consent: AnalyticsConsent | undefined) => ({
  granted: consent?.granted ?? null,
  decidedAt: consent?.decidedAt?.toISOString() ?? null,
});

export const handler = httpFunction(
  analyticsManifest,
  () => ({
    collectAnalyticsEvents: async (req, res) => {
      const body = collectBodyOf(req);
      res.status(202).json(await collectEvents(deps, body, sessionIdOf(req)));
    },

    getAnalyticsConsent: async (req, res) => {
      res.json(present(await findAnalyticsConsent(pool, personOf(req))));
    },

    putAnalyticsConsent: async (req, res) => {
      const userId = personOf(req);
      const { granted } = parseJsonBody(req, consentBodySchema);
      await recordAnalyticsConsent(pool, userId, granted, new Date());
      res.json(present(await findAnalyticsConsent(pool, userId)));
    },
  }),
  // Nothing this function answers may be cached: sessions, consent, personal data.
  { headers: { 'Cache-Control': 'no-store' } },
);
