import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { ID_PATTERN } from '../ids.ts';
import { CdnApiError, callCdnApi } from './cdn-api.ts';
import type { CdnConfig } from './cdn-from-config.ts';

/**
 * The edge's list of revoked playback grants: a token naming one of them is refused (403) even
 * though its signature and expiry are good. In production a Fastly edge dictionary that the VCL
 * reads (`forgecast_revoked`, infra/fastly/forgecast-edge.vcl); the local edge keeps the same
 * list behind the same API. Items are `grantId → keep-until` (unix seconds), the time after which
 * no token naming the grant can still be valid, when the item may go.
 */
export interface EdgeRevocationList {
  /** One request: adds (or refreshes) `upsert`, removes `remove`. At most MAX_LIST_CHANGES in all. */
  apply(changes: {
    readonly upsert: readonly { readonly grantId: string; readonly keepUntil: Date }[];
    readonly remove: readonly string[];
  }): Promise<void>;
}

/** Fastly takes at most 1000 items in one bulk dictionary update. */
export const MAX_LIST_CHANGES = 1000;

/** Without a CDN nothing caches or serves tokens, so there is nothing to tell. */
export const noEdgeRevocationList: EdgeRevocationList = {
  async apply(changes) {
    assertChanges(changes);
  },
};

export class RevocationPushError extends CdnApiError {}

export interface FastlyRevocationListOptions {
  /** `https://api.fastly.com`, or the local edge that speaks the same API. */
  readonly apiBase: string;
  readonly serviceId: string;
  /** The dictionary's id (not its name): item updates are addressed by id and need no new version. */
  readonly dictionaryId: string;
  /** A token that may write the service's dictionaries (Fastly scope `global`). */
  readonly apiToken: string;
  readonly timeoutMs?: number;
}

/**
 * Fastly's bulk dictionary update, `PATCH /service/{service_id}/dictionary/{dictionary_id}/items`
 * with `{"items":[{"op":"upsert","item_key":…,"item_value":…},{"op":"delete","item_key":…}]}` and
 * the `Fastly-Key` header; Fastly answers `{"status":"ok"}`. Item changes are versionless: they
 * reach the edge without activating a new service version.
 */
export function createFastlyRevocationList(options: FastlyRevocationListOptions): EdgeRevocationList {
  const base = options.apiBase.replace(/\/+$/, '');
  const url = `${base}/service/${encodeURIComponent(options.serviceId)}/dictionary/${encodeURIComponent(options.dictionaryId)}/items`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async apply(changes) {
      assertChanges(changes);
      if (changes.upsert.length === 0 && changes.remove.length === 0) return;
      // Deletes first: should Fastly count its item limit op by op, a full dictionary still
      // makes room for the new revocations in the same request.
      const items = [
        ...changes.remove.map((grantId) => ({ op: 'delete', item_key: grantId })),
        ...changes.upsert.map((entry) => ({
          op: 'upsert',
          item_key: entry.grantId,
          item_value: String(Math.floor(entry.keepUntil.getTime() / 1000)),
        })),
      ];
      await callCdnApi(
        url,
        {
          method: 'PATCH',
          headers: {
            'Fastly-Key': options.apiToken,
            'Content-Type': 'application/json',
            Accept: 'application/json',
          },
          body: JSON.stringify({ items }),
          timeoutMs,
        },
        {
          noAnswer: 'The CDN revocation list got no answer',
          credentials: 'the revocation list credentials',
          unavailable: 'The CDN could not update the revocation list',
          rejected: 'The CDN rejected the revocation list update',
          notOk: 'The CDN answered the revocation list update without status "ok"',
        },
        RevocationPushError,
      );
    },
  };
}

function assertChanges(changes: Parameters<EdgeRevocationList['apply']>[0]): void {
  if (changes.upsert.length + changes.remove.length > MAX_LIST_CHANGES) {
    throw new RangeError(`at most ${MAX_LIST_CHANGES} revocation list changes per request`);
  }
  for (const id of [...changes.upsert.map((entry) => entry.grantId), ...changes.remove]) {
    if (!ID_PATTERN.test(id)) throw new RangeError('a grant id is a ULID');
  }
}

/** Config shape for the revocation list (compose with cdnConfig's backend, base, service and timeout). */
export const revocationListConfig = {
  /** The `forgecast_revoked` edge dictionary's id on the Fastly service (FASTLY_SERVICE_ID). */
  FASTLY_REVOCATION_DICTIONARY_ID: z.string().optional(),
  /**
   * A token that may write the service's dictionaries (Fastly scope `global`, limited to the
   * service). Its own secret, so the purge token other functions hold can stay `purge_select`.
   */
  FASTLY_REVOCATION_API_TOKEN: z.string().optional(),
};

export interface RevocationListConfig extends Omit<CdnConfig, 'FASTLY_API_TOKEN'> {
  readonly FASTLY_REVOCATION_DICTIONARY_ID?: string | undefined;
  readonly FASTLY_REVOCATION_API_TOKEN?: string | undefined;
}

/** The list the configuration asks for; a Fastly backend without its ids or token is a ConfigError. */
export function revocationListFromConfig(config: RevocationListConfig): EdgeRevocationList {
  if (config.CDN_BACKEND === 'none') return noEdgeRevocationList;
  const missing = (
    ['FASTLY_SERVICE_ID', 'FASTLY_REVOCATION_API_TOKEN', 'FASTLY_REVOCATION_DICTIONARY_ID'] as const
  ).filter((name) => !config[name]);
  if (missing.length > 0) {
    throw new ConfigError(
      `Invalid configuration: ${missing.map((name) => `${name} is required when CDN_BACKEND=fastly`).join('; ')}`,
      missing,
    );
  }
  return createFastlyRevocationList({
    apiBase: config.FASTLY_API_BASE,
    serviceId: config.FASTLY_SERVICE_ID as string,
    dictionaryId: config.FASTLY_REVOCATION_DICTIONARY_ID as string,
    apiToken: config.FASTLY_REVOCATION_API_TOKEN as string,
    ...(config.FASTLY_TIMEOUT_MS === undefined ? {} : { timeoutMs: config.FASTLY_TIMEOUT_MS }),
  });
}
