/** The designs API as the designer's pages use it (docs/api.md "designs"). */
import { api } from '../../app/api.ts';
import type { CreatedDesign, Design, DesignFormat } from './design-types.ts';

export type { CreatedDesign, Design, DesignFormat, DesignStatus } from './design-types.ts';

export interface DesignPage {
  readonly items: readonly Design[];
  readonly nextCursor: string | null;
}

export interface Licensor {
  readonly orgId: string;
  readonly name: string;
  readonly kind: string;
  readonly grantedAt: string;
}

export const designsPath = (cursor: string | null) =>
  `/designs?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;

export const listDesigns = (cursor: string | null, signal?: AbortSignal) =>
  api.get<DesignPage>(designsPath(cursor), signal ? { signal } : {});

export const designPath = (id: string) => `/designs/${encodeURIComponent(id)}`;

export const getDesign = (id: string, signal?: AbortSignal) =>
  api.get<Design>(designPath(id), signal ? { signal } : {});

export const createDesign = (input: { name: string; format: DesignFormat; sizeBytes: number }) =>
  api.post<CreatedDesign>('/designs', input);

export const listLicensors = (id: string, signal?: AbortSignal) =>
  api.get<{ items: readonly Licensor[] }>(
    `/designs/${encodeURIComponent(id)}/licensors`,
    signal ? { signal } : {},
  );

export const nameLicensor = (id: string, orgId: string) =>
  api.put<void>(`/designs/${encodeURIComponent(id)}/licensors/${encodeURIComponent(orgId)}`);

export const removeLicensor = (id: string, orgId: string) =>
  api.delete<void>(`/designs/${encodeURIComponent(id)}/licensors/${encodeURIComponent(orgId)}`);
