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

/** Headers a page may not set itself (the browser sets them from the body): sending them would throw. */
const BROWSER_SET_HEADERS = new Set(['content-length', 'host', 'connection']);

export class UploadFailedError extends Error {
  readonly status: number;
  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UploadFailedError';
    this.status = status;
  }
}

/**
 * PUTs the file to the presigned URL with XMLHttpRequest, the browser API that reports upload
 * progress (fetch does not). The signed headers are sent as given, except those the browser sets
 * itself (Content-Length comes from the file, which the URL is bound to).
 */
export function uploadFile(
  upload: CreatedDesign['upload'],
  file: Blob,
  onProgress: (sent: number, total: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(upload.method, upload.url);
    for (const [name, value] of Object.entries(upload.headers)) {
      if (!BROWSER_SET_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
      } else {
        reject(new UploadFailedError(`upload answered ${xhr.status}`, xhr.status));
      }
    });
    xhr.addEventListener('error', () => reject(new UploadFailedError('upload failed: no answer', 0)));
    xhr.addEventListener('abort', () => reject(new UploadFailedError('upload cancelled', -1)));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}
