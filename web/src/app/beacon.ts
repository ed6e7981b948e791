/**
 * First-party analytics from the browser: page views and key actions, batched and sent to
 * `POST /v1/analytics/events` (docs/analytics.md). Identifiers only with consent: the choice and a
 * random client id live in this browser's storage; declining removes the id. Loaded lazily (with
 * the consent banner), so it costs the first paint nothing.
 */
import { type ActionName, type Place, placeOf } from './beacon-place.ts';

const CHOICE_KEY = 'forgecast.analytics';
const CLIENT_ID_KEY = 'forgecast.analytics.client';
const ENDPOINT = '/v1/analytics/events';
/** The route's limit per call. */
const MAX_BATCH = 20;
const FLUSH_AFTER_MS = 2000;

type Reported =
  | ({ readonly kind: 'page_view' } & Place)
  | ({ readonly kind: 'action'; readonly action: ActionName } & Place);

function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage refused: no choice, so no consent
  }
}

function store(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // storage refused: the choice lasts this page only
  }
}

/** The visitor's choice in this browser: true, false, or null when never asked (no consent). */
export function analyticsChoice(): boolean | null {
  const value = stored(CHOICE_KEY);
  return value === 'granted' ? true : value === 'denied' ? false : null;
}

/** Remembers the choice; events queued so far go under the choice they were made with. */
export function setAnalyticsChoice(granted: boolean): void {
  flush();
  store(CHOICE_KEY, granted ? 'granted' : 'denied');
  if (!granted) store(CLIENT_ID_KEY, null);
}

function clientId(): string {
  let id = stored(CLIENT_ID_KEY);
  if (!id || !/^[A-Za-z0-9._-]{8,64}$/.test(id)) {
    id = crypto.randomUUID();
    store(CLIENT_ID_KEY, id);
  }
  return id;
}

const queue: Reported[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;

function send(events: readonly Reported[]): void {
  const consent = analyticsChoice() === true;
  const body = JSON.stringify({ consent, ...(consent ? { clientId: clientId() } : {}), events });
  // sendBeacon survives the page going away (a checkout leaves for Stripe); text/plain, which the
  // route accepts. Same origin, so the session cookie and Origin go along.
  if (navigator.sendBeacon?.(ENDPOINT, body)) return;
  void fetch(ENDPOINT, {
    method: 'POST',
    keepalive: true,
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body,
  }).catch(() => undefined);
}

/** Sends what is queued now (before the page is hidden, or the choice changes). */
export function flush(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  while (queue.length > 0) send(queue.splice(0, MAX_BATCH));
}

function enqueue(event: Reported): void {
  queue.push(event);
  if (queue.length >= MAX_BATCH) flush();
  else timer ??= setTimeout(flush, FLUSH_AFTER_MS);
}

export function trackPage(pathname: string): void {
  enqueue({ kind: 'page_view', ...placeOf(pathname) });
}

export function trackAction(action: ActionName, pathname = location.pathname): void {
  enqueue({ kind: 'action', action, ...placeOf(pathname) });
}

/**
 * Key actions, seen where they happen without each page knowing: the sign-in and sign-up links,
 * a show's buy form (its submit leads to checkout) and any form that uploads a file.
 */
export function watchKeyActions(): () => void {
  const onClick = (event: Event) => {
    const link = (event.target as Element | null)?.closest?.('a[href^="/v1/session/"]');
    const href = link?.getAttribute('href') ?? '';
    if (href.startsWith('/v1/session/register')) trackAction('sign_up');
    else if (href.startsWith('/v1/session/login')) trackAction('login');
  };
  const onSubmit = (event: Event) => {
    const form = event.target as HTMLFormElement;
    if (form.querySelector('input[type="file"]')) trackAction('upload_started');
    else if (form.closest('[aria-labelledby="buy-heading"]')) trackAction('begin_checkout');
  };
  const onHide = () => {
    if (document.visibilityState === 'hidden') flush();
  };
  document.addEventListener('click', onClick, true);
  document.addEventListener('submit', onSubmit, true);
  document.addEventListener('visibilitychange', onHide);
  addEventListener('pagehide', flush);
  return () => {
    document.removeEventListener('click', onClick, true);
    document.removeEventListener('submit', onSubmit, true);
    document.removeEventListener('visibilitychange', onHide);
    removeEventListener('pagehide', flush);
  };
}
