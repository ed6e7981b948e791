/**
 * The presigned PUT of a file to the object store, with progress: XMLHttpRequest, the browser API
 * that reports upload progress (fetch does not). Used by the designer's upload and the studio's
 * video upload. Pure (no JSX).
 */

/** What `POST /v1/designs` and `POST /v1/videos` answer under `upload`. */
export interface PresignedUpload {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Headers a page may not set itself (the browser sets them from the body): sending them would throw. */
const BROWSER_SET_HEADERS = new Set(['content-length', 'host', 'connection']);

/** `status`: the object store's HTTP status; 0 when no answer came, -1 when cancelled. */
export class UploadFailedError extends Error {
  readonly status: number;
  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UploadFailedError';
    this.status = status;
  }
}

/**
 * PUTs `file` to the presigned URL. The signed headers are sent as given, except those the browser
 * sets itself (Content-Length comes from the file, which the URL is bound to); `onProgress`
 * follows `upload.onprogress` and hears (size, size) once the store has answered 2xx.
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
