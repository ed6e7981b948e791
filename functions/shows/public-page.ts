/**
 * The shows app's public pages as HTML that already says what they are (issue 16): the built
 * `shows.html` with the page's title, description, canonical link, Open Graph and Twitter tags in
 * its head, and a small page that works without JavaScript inside the app's mount node
 * (`<div id="app">`), which the app empties when it starts (web/src/shows/main.tsx). Link previews
 * and crawlers that run no script read these; people get the app as before.
 *
 * Pure (the template, the show and the portal's origin in, a string out), so it is unit tested
 * without a server; the shows function serves it at `GET /v1/pages/shows[/{id}]`, which the local
 * web server and the portal's Fastly service answer `/shows` and `/shows/{id}` with
 * (docs/shows-app.md, "Pages rendered with their content").
 *
 * Everything from a show is escaped: titles, descriptions and organisation names are what creators
 * typed. Nothing is inline script (the CSP allows none), so no JSON-LD either.
 */
import { currencyRule } from '#shared/payments/currencies.ts';
import { isOnSale, type ShowListing, type ShowState, showState } from '#shared/shows/show.ts';

/** The built page lacks what the renderer fills in: the deploy is broken, not the request. */
export class PageTemplateError extends Error {
  override readonly name = 'PageTemplateError';
}

const SITE_NAME = 'forgecast shows';
/** The app's document titles end the same way (web/src/app/components/page.tsx PageTitle). */
const TITLE_SUFFIX = ' · forgecast';
/** What previews show at most; longer descriptions are cut at a word. */
const MAX_DESCRIPTION = 300;
const CATALOGUE_DESCRIPTION = 'Live and on-demand shows: browse, buy a ticket, watch and chat.';

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for an element or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ENTITIES[character] ?? character);
}

/** One line, at most MAX_DESCRIPTION characters, cut at a word with an ellipsis. */
export function summarise(text: string, max = MAX_DESCRIPTION): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length <= max) return line;
  const cut = line.slice(0, max - 1);
  const atWord = cut.lastIndexOf(' ');
  return `${(atWord > max / 2 ? cut.slice(0, atWord) : cut).trimEnd()}…`;
}

/**
 * A price in the show's currency, in English: 1500 EUR is €15.00, 500 JPY is JP¥500, 5120 KWD is
 * KWD 5.120, 100 ISK is ISK 1. The minor digits are the API's own rule (Stripe's), as the app's
 * web/src/shows/format.ts takes them.
 */
export function formatPriceEn(amount: number, currency: string): string {
  const code = currency.toUpperCase();
  const digits = currencyRule(currency)?.minorDigits ?? 2;
  const major = amount / 10 ** digits;
  try {
    return priceFormat(code).format(major);
  } catch {
    return `${major.toFixed(digits)} ${code}`; // a code Intl does not know
  }
}

/**
 * Intl's formatters are made once per currency (making one costs far more than formatting: a page
 * rendered in ~0.4 ms with fresh ones); Stripe's list bounds the map.
 */
const PRICE_FORMATS = new Map<string, Intl.NumberFormat>();
function priceFormat(code: string): Intl.NumberFormat {
  let format = PRICE_FORMATS.get(code);
  if (!format) {
    format = new Intl.NumberFormat('en-GB', { style: 'currency', currency: code });
    PRICE_FORMATS.set(code, format);
  }
  return format;
}
const UTC_FORMAT = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});

/**
 * The start in UTC, the zone named ("Tue, 8 Dec 2026, 20:30 UTC"): the page is shared by every
 * viewer and cached at the edge, so it cannot be in the reader's zone; the app shows that.
 */
export function formatUtc(date: Date): string {
  return UTC_FORMAT.format(date);
}

export interface PageMeta {
  readonly title: string;
  readonly description: string;
  /** Absolute; also the canonical link. Absent on the not-found page. */
  readonly url?: string;
  readonly type: 'website' | 'video.other';
  /** Absolute image URL (the poster), or none. */
  readonly image?: string | null;
  /** The not-found page: kept out of search indexes. */
  readonly noindex?: boolean;
}

/** The head tags a page gets, in place of the template's generic ones. */
export function metaTags(meta: PageMeta): string {
  const description = summarise(meta.description);
  const tag = (attribute: 'name' | 'property', key: string, content: string) =>
    `<meta ${attribute}="${key}" content="${escapeHtml(content)}" />`;
  const lines = [
    `<title>${escapeHtml(meta.title)}${TITLE_SUFFIX}</title>`,
    tag('name', 'description', description),
  ];
  if (meta.noindex) lines.push(tag('name', 'robots', 'noindex'));
  if (meta.url) lines.push(`<link rel="canonical" href="${escapeHtml(meta.url)}" />`);
  lines.push(
    tag('property', 'og:site_name', SITE_NAME),
    tag('property', 'og:type', meta.type),
    tag('property', 'og:title', meta.title),
    tag('property', 'og:description', description),
  );
  if (meta.url) lines.push(tag('property', 'og:url', meta.url));
  if (meta.image) lines.push(tag('property', 'og:image', meta.image));
  // a large card only when there is a picture to show
  lines.push(
    tag('name', 'twitter:card', meta.image ? 'summary_large_image' : 'summary'),
    tag('name', 'twitter:title', meta.title),
    tag('name', 'twitter:description', description),
  );
  if (meta.image) lines.push(tag('name', 'twitter:image', meta.image));
  return lines.join('\n    ');
}

/** The template's own page-describing tags, which each page replaces. */
const REPLACED_HEAD_TAGS = [
  /<title>[\s\S]*?<\/title>\s*/gi,
  /<meta\s+(?:name|property)="(?:description|robots|og:[^"]*|twitter:[^"]*)"[^>]*>\s*/gi,
  /<link\s+rel="canonical"[^>]*>\s*/gi,
];
const MOUNT_NODE = '<div id="app"></div>';

/**
 * The template with `meta` in its head and `body` in its mount node. The template is the built
 * shows.html (ours, not input): a missing `<title>` or mount node means a broken deploy.
 * Replacements are functions, never strings: a `$&` in a show's title must stay text.
 */
export function renderDocument(template: string, meta: PageMeta, body: string): string {
  const headEnd = template.indexOf('</head>');
  const titleAt = template.search(/<title>/i);
  if (headEnd < 0 || titleAt < 0 || titleAt > headEnd) throw new PageTemplateError('the page has no <title>');
  if (template.indexOf(MOUNT_NODE) < 0) throw new PageTemplateError(`the page has no ${MOUNT_NODE}`);
  const before = template.slice(0, titleAt);
  let head = template.slice(titleAt, headEnd);
  for (const pattern of REPLACED_HEAD_TAGS) head = head.replace(pattern, () => '');
  const rest = template.slice(headEnd).replace(MOUNT_NODE, () => `<div id="app">${body}</div>`);
  return `${before}${metaTags(meta)}\n    ${head}${rest}`;
}

/**
 * The app's shell (web/src/shows/shell.tsx) as a signed-out person first sees it, without what
 * needs a script (language switch, sign-in buttons that come back here): the same header and
 * navigation, so the page does not jump when the app replaces this.
 */
function page(main: string): string {
  return (
    `<div data-prerendered=""><a class="skip-link" href="#main">Skip to content</a>` +
    `<header class="site-header"><div class="header-row"><a class="brand" href="/shows">${SITE_NAME}</a></div>` +
    `<nav aria-label="Shows navigation"><ul><li><a href="/shows" aria-current="page">Shows</a></li><li><a href="/tickets">My tickets</a></li></ul></nav></header>` +
    `<main id="main">${main}</main></div>`
  );
}

function signInUrl(returnTo: string, register = false): string {
  return `/v1/session/${register ? 'register' : 'login'}?returnTo=${encodeURIComponent(returnTo)}`;
}

export const showPagePath = (id: string) => `/shows/${encodeURIComponent(id)}`;
export const posterPath = (id: string) => `/v1/shows/${encodeURIComponent(id)}/poster`;

const STATE_WORDS: Readonly<Record<ShowState, string>> = {
  upcoming: 'Upcoming',
  live: 'Live now',
  on_demand: 'On demand',
  ended: 'Ended',
  cancelled: 'Cancelled',
};

function timeElement(date: Date): string {
  return `<time datetime="${date.toISOString()}">${escapeHtml(formatUtc(date))}</time>`;
}

/** The description a preview shows: the creator's own, else the facts in a sentence. */
function showDescription(show: ShowListing): string {
  if (show.description?.trim()) return show.description;
  const by = show.creatorName ? ` by ${show.creatorName}` : '';
  return `A show${by} on forgecast, ${formatUtc(show.startsAt)}. Tickets ${formatPriceEn(show.priceAmount, show.currency)}.`;
}

/** `/shows/{id}` of a show on sale (cancelled ones are not found: findPublicShow). */
export function renderShowPage(template: string, show: ShowListing, now: Date, origin: string): string {
  const path = showPagePath(show.id);
  const state = showState(show, now);
  const poster = show.posterKey ? posterPath(show.id) : null;
  const title = escapeHtml(show.title);
  let buy: string;
  if (!isOnSale(show, now)) buy = '<p>Tickets are not on sale.</p>';
  else if (show.seatsAvailable <= 0) buy = '<p class="sold-out">Sold out.</p>';
  else {
    buy = `<div class="actions"><a class="button button-primary" href="${escapeHtml(signInUrl(path))}">Sign in to buy</a> <a class="button button-secondary" href="${escapeHtml(signInUrl(path, true))}">Create an account</a></div>`;
  }
  const paragraphs = (show.description?.trim() ? show.description : '')
    .split(/\n{2,}/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean)
    .map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`)
    .join('');
  const body = page(
    `<article class="show-page"><p><a href="/shows">← All shows</a></p>` +
      `<div class="${poster ? 'show-page-layout' : 'show-page-layout no-poster'}">` +
      (poster ? `<div><img class="poster" src="${poster}" alt="" width="640" height="360" /></div>` : '') +
      `<div><h1>${title}</h1>` +
      `<p class="show-card-meta"><span>${STATE_WORDS[state]}</span>${show.creatorName ? ` <span>by ${escapeHtml(show.creatorName)}</span>` : ''}</p>` +
      `<dl class="show-facts"><div><dt>Starts</dt><dd>${timeElement(show.startsAt)}</dd></div>` +
      `<div><dt>Price</dt><dd>${escapeHtml(formatPriceEn(show.priceAmount, show.currency))}</dd></div></dl>` +
      `<section class="panel" aria-labelledby="buy-heading"><h2 id="buy-heading">Tickets</h2>${buy}</section>` +
      `</div></div>` +
      (paragraphs ? `<div class="show-description">${paragraphs}</div>` : '') +
      `</article>`,
  );
  return renderDocument(
    template,
    {
      title: show.title,
      description: showDescription(show),
      url: `${origin}${path}`,
      type: 'video.other',
      image: poster ? `${origin}${poster}` : null,
    },
    body,
  );
}

/** `/shows`: generic tags, and the next upcoming shows as links (crawlers find the show pages). */
export function renderCataloguePage(
  template: string,
  upcoming: readonly ShowListing[],
  origin: string,
): string {
  const items = upcoming
    .map(
      (show) =>
        `<li><a href="${showPagePath(show.id)}">${escapeHtml(show.title)}</a> · ${timeElement(show.startsAt)} · ${escapeHtml(formatPriceEn(show.priceAmount, show.currency))}</li>`,
    )
    .join('');
  const body = page(
    `<section><h1>Shows</h1><h2>Upcoming</h2>${items ? `<ul>${items}</ul>` : '<p>No upcoming shows right now.</p>'}</section>`,
  );
  return renderDocument(
    template,
    { title: 'Shows', description: CATALOGUE_DESCRIPTION, url: `${origin}/shows`, type: 'website' },
    body,
  );
}

/** An unknown or cancelled show: said plainly, kept out of indexes, nothing about the show. */
export function renderShowNotFound(template: string): string {
  const body = page(
    `<section><h1>Show not found</h1><p>This show does not exist or is no longer on sale.</p><p><a href="/shows">All shows</a></p></section>`,
  );
  return renderDocument(
    template,
    {
      title: 'Show not found',
      description: 'This show does not exist or is no longer on sale.',
      type: 'website',
      noindex: true,
    },
    body,
  );
}
