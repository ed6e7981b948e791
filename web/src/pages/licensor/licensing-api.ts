/** The licensor pages' calls beyond the plain license list. */
import { api } from '../../app/api.ts';
import type { Page } from '../../app/license-view.ts';

/** A design as `GET /v1/licensable-designs` answers it. */
export interface LicensableDesign {
  readonly id: string;
  readonly name: string;
  readonly format: string;
  readonly owner: { readonly orgId: string; readonly name: string };
  readonly own: boolean;
  readonly licensorSince: string | null;
  readonly registeredAt: string | null;
}

export function licensableDesignsPage(cursor: string | null, signal: AbortSignal, limit = 20) {
  const query = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  return api.get<Page<LicensableDesign>>(`/licensable-designs?${query}`, { signal });
}

export const MINT_PATH = '/licensor/mint';

export function mintHref(designId: string): string {
  return `${MINT_PATH}?design=${encodeURIComponent(designId)}`;
}
