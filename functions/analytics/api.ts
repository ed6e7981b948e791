import { PayloadTooLargeError } from '#shared/errors.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import { NotAPersonError } from './errors.ts';
import { collectResponse, consentResponse } from './responses.ts';
import {
  collectBodySchema,
  consentBodySchema,
  MAX_COLLECT_BODY_BYTES,
  MAX_EVENTS_PER_CALL,
} from './schema.ts';

const personOnly = () => [new NotAPersonError()];

/** The analytics routes' contracts by operation id (their manifest names them): the API reference's source. */
export const contracts = {
  collectAnalyticsEvents: {
    summary: 'Page views and key actions of the portal and the shows app (first-party analytics)',
    description: `Public: no key needed. A portal session cookie, when sent from the portal's pages, names the person (as a salted hash) only if both the browser and the person's stored choice consent. At most ${MAX_EVENTS_PER_CALL} events and ${MAX_COLLECT_BODY_BYTES} bytes; \`text/plain\` is accepted too, for \`navigator.sendBeacon\`. Without consent nothing identifying is stored. See docs/analytics.md.`,
    body: collectBodySchema,
    responses: {
      202: { description: 'Stored for the warehouse (and GA4, with consent)', schema: collectResponse },
    },
    problems: () => [new PayloadTooLargeError('')],
  },
  getAnalyticsConsent: {
    summary: 'The signed-in person’s analytics choice',
    responses: { 200: { description: 'The choice and when it was made', schema: consentResponse } },
    problems: personOnly,
  },
  putAnalyticsConsent: {
    summary: 'Accept or decline analytics (page views, key actions and GA4) for the signed-in person',
    description: 'With the session cookie, only from the portal’s pages (`Origin`).',
    body: consentBodySchema,
    responses: { 200: { description: 'The choice as stored', schema: consentResponse } },
    problems: personOnly,
  },
} satisfies RouteContracts;
