/**
 * Licenses as the portal shows them, shared by the licensor's and the print shop's pages. Pure (no
 * DOM), so unit tests run it on Node: the shape `GET /v1/licenses` answers, the status a person
 * should read (an active license past its expiry is expired; one with no prints left is used up),
 * and prints used/left in words.
 */
import { formatNumber, type Language } from './language.ts';

export interface LicensePrints {
  readonly total: number;
  readonly used: number;
  /** Granted to a printer, outcome not reported yet. */
  readonly reserved: number;
  readonly left: number;
  readonly failuresRefunded: number;
  readonly settledOnChain: number;
}

export interface LicenseView {
  readonly id: string;
  readonly designId: string;
  readonly holderOrgId: string;
  readonly issuerOrgId: string;
  readonly status: string;
  readonly failureReason: string | null;
  readonly terms: {
    readonly prints: number;
    readonly expiresAt: string;
    readonly failureAllowance: number;
    readonly printerIds: readonly string[];
  };
  readonly prints: LicensePrints;
  readonly revocation: { readonly revokedAt: string; readonly reason: string | null } | null;
  readonly chain: {
    readonly state: string;
    readonly transactionHash: string | null;
    readonly blockNumber: number | null;
  };
  readonly createdAt: string;
  readonly activatedAt: string | null;
  /** In lists only (`GET /v1/licenses`): names to show beside the ids; null when the row is gone. */
  readonly designName?: string | null;
  readonly issuerName?: string | null;
  readonly holderName?: string | null;
  /** Only on a mint answered 202: where to poll until the license is active. */
  readonly statusUrl?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/** What a person reads as the license's state. */
export type LicenseState = 'pending' | 'active' | 'used-up' | 'expired' | 'revoked' | 'failed';

export function licenseState(license: LicenseView, now: Date): LicenseState {
  if (license.status === 'revoked' || license.revocation !== null) return 'revoked';
  if (license.status === 'failed') return 'failed';
  if (license.status === 'pending') return 'pending';
  if (Date.parse(license.terms.expiresAt) <= now.getTime()) return 'expired';
  if (license.prints.left <= 0) return 'used-up';
  return 'active';
}

export type StateTone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';

export function licenseStateTone(state: LicenseState): StateTone {
  switch (state) {
    case 'active':
      return 'success';
    case 'pending':
      return 'info';
    case 'used-up':
    case 'expired':
      return 'neutral';
    case 'revoked':
      return 'warning';
    case 'failed':
      return 'danger';
  }
}

/** Still changing on its own: the page keeps asking until the ledger has it. */
export function isMintSettled(license: Pick<LicenseView, 'status'>): boolean {
  return license.status !== 'pending';
}

/**
 * Prints used and left in one line: "3 of 10 used · 7 left", plus "(1 printing)" while grants
 * await their outcome. Italian agrees the participle with the count (1 usata, 2 usate).
 */
export function formatPrintsUsage(language: Language, prints: LicensePrints): string {
  const n = (value: number) => formatNumber(language, value);
  if (language === 'it') {
    const used = `${n(prints.used)} di ${n(prints.total)} ${prints.used === 1 ? 'usata' : 'usate'}`;
    const left = `${n(prints.left)} ${prints.left === 1 ? 'rimasta' : 'rimaste'}`;
    const printing = prints.reserved > 0 ? ` (${n(prints.reserved)} in stampa)` : '';
    return `${used} · ${left}${printing}`;
  }
  const printing = prints.reserved > 0 ? ` (${n(prints.reserved)} printing)` : '';
  return `${n(prints.used)} of ${n(prints.total)} used · ${n(prints.left)} left${printing}`;
}

/** The share of a license's prints used or in progress, 0 to 100, for a meter. */
export function printsUsedPercent(prints: LicensePrints): number {
  if (prints.total <= 0) return 100;
  return Math.min(100, Math.round(((prints.used + prints.reserved) / prints.total) * 100));
}

/**
 * Long ids (ULIDs, hashes) shortened for a table cell, keeping the end: ULIDs made in the same
 * millisecond share their first ten characters, so only the tail tells them apart.
 */
export function shortId(id: string, keep = 8): string {
  return id.length <= keep + 1 ? id : `…${id.slice(-keep)}`;
}

/**
 * A name where the API gave one, else the shortened id (the full id stays in the title, for those
 * who search for it).
 */
export function nameOrId(
  name: string | null | undefined,
  id: string,
): { readonly text: string; readonly isId: boolean } {
  return name ? { text: name, isId: false } : { text: shortId(id), isId: true };
}
