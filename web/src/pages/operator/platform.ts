/**
 * The platform operator's rules and shapes, pure so unit tests run them on Node: the organisation
 * form (kinds, the first key's scopes suggested per kind), the reconciliation report's drift, and
 * provenance conflicts as the API answers them.
 */
import { API_KEY_SCOPES, type ApiKeyScope } from '../admin/access.ts';

/** The kinds `POST /v1/orgs` accepts (functions/accounts/schema.ts ORG_KINDS). */
export const ORG_KINDS = ['designer', 'licensee', 'integrator', 'creator', 'viewer'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

/** The first key's scopes for each kind, as the README's walkthrough gives them; the operator may change them. */
const SUGGESTED: Readonly<Record<OrgKind, readonly ApiKeyScope[]>> = {
  designer: ['designs:read', 'designs:write', 'licenses:read', 'licenses:write'],
  licensee: ['printers:write', 'licenses:read'],
  integrator: ['licenses:read', 'licenses:write'],
  creator: ['videos:read', 'videos:write', 'shows:write'],
  viewer: ['tickets:buy'],
};

export function suggestedScopes(kind: OrgKind): ApiKeyScope[] {
  return [...SUGGESTED[kind]];
}

export function isOrgKind(value: string): value is OrgKind {
  return (ORG_KINDS as readonly string[]).includes(value);
}

export type OrgFieldError = 'errorOrgName' | 'errorKind' | 'errorScopes';

export function checkOrgForm(values: {
  readonly name: string;
  readonly kind: string;
  readonly scopes: readonly string[];
}):
  | { ok: true; request: { name: string; kind: OrgKind; scopes: ApiKeyScope[] } }
  | { ok: false; errors: Partial<Record<'name' | 'kind' | 'scopes', OrgFieldError>> } {
  const errors: Partial<Record<'name' | 'kind' | 'scopes', OrgFieldError>> = {};
  const name = values.name.trim();
  if (name === '' || name.length > 200) errors.name = 'errorOrgName';
  if (!isOrgKind(values.kind)) errors.kind = 'errorKind';
  const scopes = API_KEY_SCOPES.filter((scope) => values.scopes.includes(scope));
  if (scopes.length === 0) errors.scopes = 'errorScopes';
  if (Object.keys(errors).length > 0 || !isOrgKind(values.kind)) return { ok: false, errors };
  return { ok: true, request: { name, kind: values.kind, scopes } };
}

export interface OrganisationView {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly createdAt: string;
}

export interface CreatedOrganisation {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly apiKey: { readonly keyId: string; readonly key: string; readonly scopes: readonly string[] };
}

/** What `GET /v1/ledger/reconciliation` answers (functions/license-mint/responses.ts). */
export const DRIFT_KINDS = [
  'prints-settled-mismatch',
  'revoked-only-on-chain',
  'revocation-not-on-chain',
  'missing-on-chain',
  'terms-mismatch',
  'prints-unsettled',
  'issued-without-license',
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface DriftItem {
  readonly kind: DriftKind | string;
  readonly licenseId: string | null;
  readonly tokenId: string;
  readonly offChain: unknown;
  readonly onChain: unknown;
}

export interface ReconciliationReport {
  readonly id: number;
  readonly chainInstance: string;
  readonly headBlock: number;
  readonly licensesChecked: number;
  readonly driftCount: number;
  readonly drift: readonly DriftItem[];
  readonly ranAt: string;
}

/** A drift kind this portal has words for, else `unknown` (a newer server may report more). */
export function driftKindKey(kind: string): `drift.${DriftKind}` | 'drift.unknown' {
  return (DRIFT_KINDS as readonly string[]).includes(kind) ? `drift.${kind as DriftKind}` : 'drift.unknown';
}

/** The most of one side of a drift item shown in a table cell; the whole report is a download away. */
export const MAX_DRIFT_VALUE_CHARS = 600;

/** One side of a drift item as readable text: `key: value` lines, nested values as compact JSON, bounded. */
export function describeLedgerValue(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = '—';
  else if (typeof value !== 'object') text = String(value);
  else if (Array.isArray(value)) text = JSON.stringify(value);
  else {
    text = Object.entries(value as Record<string, unknown>)
      .map(
        ([key, member]) =>
          `${key}: ${typeof member === 'object' && member !== null ? JSON.stringify(member) : String(member)}`,
      )
      .join('\n');
  }
  return text.length > MAX_DRIFT_VALUE_CHARS ? `${text.slice(0, MAX_DRIFT_VALUE_CHARS - 1)}…` : text;
}

/** A provenance conflict as `GET /v1/provenance-conflicts` answers it. */
export interface ProvenanceConflictView {
  readonly id: string;
  readonly fingerprint: { readonly algorithm: string; readonly value: string };
  readonly holder: {
    readonly designId: string;
    readonly orgId: string | null;
    readonly creator: string | null;
  };
  readonly later: { readonly designId: string; readonly orgId: string };
  readonly detectedBy: 'vault' | 'chain';
  readonly detectedAt: string;
}

/** `?orgId=` narrows the conflicts to one organisation's side; anything but an organisation id is ignored. */
export function provenancePath(orgId: string, cursor: string | null, limit = 20): string {
  const query = new URLSearchParams({ limit: String(limit) });
  const trimmed = orgId.trim().toUpperCase();
  if (/^[0-9A-HJKMNP-TV-Z]{26}$/.test(trimmed)) query.set('orgId', trimmed);
  if (cursor) query.set('cursor', cursor);
  return `/provenance-conflicts?${query.toString()}`;
}
