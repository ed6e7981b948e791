/** The presigned PUT of a video's source, with progress (XMLHttpRequest: fetch reports none). */
import type { PresignedUpload } from './studio-api.ts';

/** Headers the browser sets from the body itself: setting them would throw. */
const BROWSER_SET_HEADERS = new Set(['content-length', 'host', 'connection']);

export class UploadFailedError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'UploadFailedError';
    this.status = status;
  }
}

/**
 * PUTs `file` to the presigned URL with the signed headers (not Content-Length, which the browser
 * takes from the file the URL is bound to); `onProgress` follows `upload.onprogress`.
 */
export function uploadToPresignedUrl(
  upload: PresignedUpload,
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
