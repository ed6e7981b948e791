/** Which kind of page a path is, for the analytics beacons (beacon.ts); no browser APIs, so tests run it. */

export type PageKind =
  | 'catalogue'
  | 'show'
  | 'checkout'
  | 'watch'
  | 'tickets'
  | 'door'
  | 'studio'
  | 'portal'
  | 'sign_in'
  | 'other';
export type ActionName = 'begin_checkout' | 'sign_up' | 'login' | 'upload_started';

export interface Place {
  readonly page: PageKind;
  readonly path: string;
  readonly showId?: string;
  readonly designId?: string;
}

const ID = '([^/]{1,64})';
const PLACES: readonly [RegExp, PageKind, ('showId' | 'designId')?][] = [
  [/^\/shows\/?$/, 'catalogue'],
  [new RegExp(`^/shows/${ID}/bought$`), 'checkout', 'showId'],
  [new RegExp(`^/shows/${ID}$`), 'show', 'showId'],
  [new RegExp(`^/watch/${ID}`), 'watch', 'showId'],
  [/^\/tickets(\/|$)/, 'tickets'],
  [new RegExp(`^/door/${ID}`), 'door', 'showId'],
  [/^\/studio(\/|$)/, 'studio'],
  [new RegExp(`^/designs/${ID}`), 'portal', 'designId'],
];

/** What kind of page a path is, and which show or design it is about. */
export function placeOf(pathname: string): Place {
  const path = pathname.slice(0, 256);
  for (const [pattern, page, idName] of PLACES) {
    const id = pattern.exec(path)?.[1];
    if (id === undefined && !pattern.test(path)) continue;
    return { page, path, ...(idName && id ? { [idName]: decodeURIComponent(id) } : {}) };
  }
  return { page: 'portal', path };
}
