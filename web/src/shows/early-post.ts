/**
 * A POST the page will make first, started while the app itself is still loading: the watch page's
 * playback call goes out together with the session read instead of after it (the session, then
 * the page, then the playback call, then the player were four waits in a row). The page takes the
 * answer within 10 s, or asks again; a signed-out person's 401 is handled by the page as usual.
 */
const FRESH_MS = 10_000;
const started = new Map<string, { readonly at: number; readonly response: Promise<Response> }>();

export function startEarlyPost(path: string): void {
  if (started.has(path)) return;
  const response = fetch(`/v1${path}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { accept: 'application/json, application/problem+json' },
  });
  response.catch(() => undefined); // reported to the page that takes it
  started.set(path, { at: Date.now(), response });
}

/** The early answer for `path` if one was started in the last 10 s (once). */
export function takeEarlyPost(path: string): Promise<Response> | undefined {
  const entry = started.get(path);
  started.delete(path);
  return entry && Date.now() - entry.at <= FRESH_MS ? entry.response : undefined;
}
