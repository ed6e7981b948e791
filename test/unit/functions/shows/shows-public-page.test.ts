import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pageTemplate } from '#functions/shows/page-template.ts';
import {
  escapeHtml,
  PageTemplateError,
  renderCataloguePage,
  renderShowNotFound,
  renderShowPage,
  summarise,
} from '#functions/shows/public-page.ts';
import type { ShowListing } from '#shared/shows/show.ts';

/** The app's page as the build writes it (web/shows.html is its source; the build adds assets). */
const TEMPLATE = readFileSync(new URL('../../../../web/shows.html', import.meta.url), 'utf8').replace(
  '</head>',
  '  <script type="module" crossorigin src="/assets/shows-Ab12Cd34.js"></script>\n  <link rel="stylesheet" crossorigin href="/assets/shows-Ab12Cd34.css">\n  </head>',
);
const ORIGIN = 'https://app.example.com';
const ID = '01HZX3K4M5N6P7Q8R9S0T1V2W3';
const NOW = new Date('2026-12-01T12:00:00Z');
const HOSTILE_TITLE = `Jazz </title><script>alert("x")</script> & 'friends' $& $' $\``;

function listing(overrides: Partial<ShowListing> = {}): ShowListing {
  return {
    id: ID,
    orgId: '01HZX3K4M5N6P7Q8R9S0T1V2W4',
    title: 'Evening jazz',
    description: 'A quiet set.\n\nTwo hours, one break.',
    startsAt: new Date('2026-12-08T20:30:00Z'),
    capacity: 100,
    seatsSold: 10,
    priceAmount: 1500,
    currency: 'eur',
    videoId: null,
    status: 'on_sale',
    createdAt: new Date('2026-11-01T10:00:00Z'),
    seatsHeld: 0,
    seatsAvailable: 90,
    creatorName: 'Blue Room',
    liveStreamId: null,
    liveStreamStatus: null,
    videoStatus: null,
    posterKey: null,
    ...overrides,
  };
}

const decodeEntities = (text: string) =>
  text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');

/** Every `content` of `<meta name|property="key">`, as a browser would read it. */
function metaOf(html: string, key: string): string[] {
  const pattern = new RegExp(
    `<meta (?:name|property)="${key.replace(/[.:]/g, '\\$&')}" content="([^"]*)"`,
    'g',
  );
  return [...html.matchAll(pattern)].map((match) => decodeEntities(match[1] ?? ''));
}
const headOf = (html: string) => html.slice(0, html.indexOf('</head>'));
/** What sits in the app's mount node. */
function mountOf(html: string): string {
  const start = html.indexOf('<div id="app">');
  const end = html.indexOf('<noscript>');
  expect(start).toBeGreaterThan(0);
  return html.slice(start, end);
}
const count = (html: string, needle: string) => html.split(needle).length - 1;

describe('Function: renderShowPage', () => {
  it('puts the show’s title, description, canonical, Open Graph and Twitter tags in the head', () => {
    // Prepare
    const show = listing({ posterKey: 'videos/v1/poster.jpg', videoStatus: 'ready', videoId: 'v1' });

    // Act
    const html = renderShowPage(TEMPLATE, show, NOW, ORIGIN);

    // Assess
    const head = headOf(html);
    expect(head).toContain('<title>Evening jazz · forgecast</title>');
    expect(count(head, '<title>')).toBe(1);
    expect(metaOf(head, 'description')).toEqual(['A quiet set. Two hours, one break.']);
    expect(head).toContain(`<link rel="canonical" href="${ORIGIN}/shows/${ID}" />`);
    expect(metaOf(head, 'og:title')).toEqual(['Evening jazz']);
    expect(metaOf(head, 'og:description')).toEqual(['A quiet set. Two hours, one break.']);
    expect(metaOf(head, 'og:url')).toEqual([`${ORIGIN}/shows/${ID}`]);
    expect(metaOf(head, 'og:type')).toEqual(['video.other']);
    expect(metaOf(head, 'og:image')).toEqual([`${ORIGIN}/v1/shows/${ID}/poster`]);
    expect(metaOf(head, 'og:site_name')).toEqual(['forgecast shows']);
    expect(metaOf(head, 'twitter:card')).toEqual(['summary_large_image']);
    expect(metaOf(head, 'twitter:image')).toEqual([`${ORIGIN}/v1/shows/${ID}/poster`]);
    expect(metaOf(head, 'robots')).toEqual([]);
    // the build's assets stay, nothing inline is added
    expect(head).toContain('<script type="module" crossorigin src="/assets/shows-Ab12Cd34.js"></script>');
    expect(count(html, '<script')).toBe(count(TEMPLATE, '<script'));
  });

  it('answers a page without JavaScript in the mount node: title, UTC start, price, sign in to buy', () => {
    const html = renderShowPage(TEMPLATE, listing(), NOW, ORIGIN);

    const mount = mountOf(html);
    expect(mount).toContain('<h1>Evening jazz</h1>');
    expect(mount).toContain('<time datetime="2026-12-08T20:30:00.000Z">Tue, 8 Dec 2026, 20:30 UTC</time>');
    expect(mount).toContain('<dd>€15.00</dd>');
    expect(mount).toContain(`href="/v1/session/login?returnTo=%2Fshows%2F${ID}">Sign in to buy</a>`);
    expect(mount).toContain(`href="/v1/session/register?returnTo=%2Fshows%2F${ID}">Create an account</a>`);
    expect(mount).toContain('<p>A quiet set.</p><p>Two hours, one break.</p>');
    expect(mount).toContain('<main id="main">');
    expect(mount).toContain('data-prerendered');
    expect(count(html, 'id="app"')).toBe(1);
  });

  it('escapes a title and description full of markup, quotes and replacement patterns', () => {
    // Prepare
    const show = listing({
      title: HOSTILE_TITLE,
      description: `"Quoted" <img src=x onerror=alert(1)> & $& more`,
      creatorName: '<b>Org</b>',
    });

    // Act
    const html = renderShowPage(TEMPLATE, show, NOW, ORIGIN);

    // Assess: no element came from the input, and a browser reads back exactly what was typed
    expect(count(html, '<script')).toBe(count(TEMPLATE, '<script'));
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>Org');
    expect(count(html, '</title>')).toBe(1);
    expect(metaOf(html, 'og:title')).toEqual([HOSTILE_TITLE]);
    expect(metaOf(html, 'twitter:title')).toEqual([HOSTILE_TITLE]);
    expect(metaOf(html, 'og:description')).toEqual([`"Quoted" <img src=x onerror=alert(1)> & $& more`]);
    expect(html).toContain(`<h1>${escapeHtml(HOSTILE_TITLE)}</h1>`);
    expect(html).toContain(`<title>${escapeHtml(HOSTILE_TITLE)} · forgecast</title>`);
    // `$'` would have pasted the template's tail into the page, `$&` the matched tag
    expect(count(html, '</html>')).toBe(1);
    expect(count(html, '<div id="app">')).toBe(1);
  });

  it('writes each price in the show’s currency with its own minor digits (JPY, KWD, ISK; Intl puts a no-break space after a code)', () => {
    const priced = (priceAmount: number, currency: string) =>
      mountOf(renderShowPage(TEMPLATE, listing({ priceAmount, currency }), NOW, ORIGIN));

    expect(priced(500, 'jpy')).toContain('<dd>JP¥500</dd>');
    expect(priced(5120, 'kwd')).toContain('<dd>KWD\u00a05.120</dd>');
    expect(priced(100, 'isk')).toContain('<dd>ISK\u00a01</dd>');
    expect(priced(999, 'usd')).toContain('<dd>US$9.99</dd>');
  });

  it('has no image tags and no picture without a poster', () => {
    const html = renderShowPage(TEMPLATE, listing({ posterKey: null }), NOW, ORIGIN);

    expect(metaOf(html, 'og:image')).toEqual([]);
    expect(metaOf(html, 'twitter:image')).toEqual([]);
    expect(metaOf(html, 'twitter:card')).toEqual(['summary']);
    expect(mountOf(html)).not.toContain('<img');
    expect(mountOf(html)).toContain('show-page-layout no-poster');
  });

  it('describes a show without a description by its facts, and cuts a long one at a word', () => {
    const bare = renderShowPage(
      TEMPLATE,
      listing({ description: null, priceAmount: 500, currency: 'jpy' }),
      NOW,
      ORIGIN,
    );
    const long = renderShowPage(TEMPLATE, listing({ description: 'word '.repeat(200) }), NOW, ORIGIN);

    expect(metaOf(bare, 'description')).toEqual([
      'A show by Blue Room on forgecast, Tue, 8 Dec 2026, 20:30 UTC. Tickets JP¥500.',
    ]);
    const [cut] = metaOf(long, 'og:description');
    expect(cut?.length).toBeLessThanOrEqual(300);
    expect(cut).toMatch(/word…$/);
  });

  it('offers no sign-in to buy when nothing can be bought (ended without video, sold out)', () => {
    const ended = mountOf(
      renderShowPage(TEMPLATE, listing({ startsAt: new Date('2026-11-30T20:00:00Z') }), NOW, ORIGIN),
    );
    const soldOut = mountOf(renderShowPage(TEMPLATE, listing({ seatsAvailable: 0 }), NOW, ORIGIN));

    expect(ended).toContain('Tickets are not on sale.');
    expect(ended).toContain('<span>Ended</span>');
    expect(ended).not.toContain('Sign in to buy');
    expect(soldOut).toContain('Sold out.');
    expect(soldOut).not.toContain('Sign in to buy');
  });
});

describe('Function: renderShowNotFound', () => {
  it('keeps the page out of indexes and names no show', () => {
    const html = renderShowNotFound(TEMPLATE);

    expect(metaOf(html, 'robots')).toEqual(['noindex']);
    expect(html).toContain('<title>Show not found · forgecast</title>');
    expect(html).not.toContain('rel="canonical"');
    expect(metaOf(html, 'og:url')).toEqual([]);
    expect(mountOf(html)).toContain('<h1>Show not found</h1>');
  });
});

describe('Function: renderCataloguePage', () => {
  it('has the catalogue’s own tags and links the upcoming shows', () => {
    const html = renderCataloguePage(
      TEMPLATE,
      [
        listing({ title: HOSTILE_TITLE }),
        listing({ id: '01HZX3K4M5N6P7Q8R9S0T1V2W5', title: 'Second', currency: 'jpy', priceAmount: 500 }),
      ],
      ORIGIN,
    );

    expect(html).toContain(`<link rel="canonical" href="${ORIGIN}/shows" />`);
    expect(metaOf(html, 'og:url')).toEqual([`${ORIGIN}/shows`]);
    expect(metaOf(html, 'og:type')).toEqual(['website']);
    expect(metaOf(html, 'og:title')).toEqual(['Shows']);
    expect(metaOf(html, 'twitter:card')).toEqual(['summary']);
    expect(mountOf(html)).toContain(`<a href="/shows/${ID}">${escapeHtml(HOSTILE_TITLE)}</a>`);
    expect(mountOf(html)).toContain('<a href="/shows/01HZX3K4M5N6P7Q8R9S0T1V2W5">Second</a>');
    expect(mountOf(html)).toContain('JP¥500');
    expect(count(html, '<script')).toBe(count(TEMPLATE, '<script'));
  });

  it('says so when nothing is coming up', () => {
    expect(mountOf(renderCataloguePage(TEMPLATE, [], ORIGIN))).toContain('No upcoming shows right now.');
  });
});

describe('Function: renderDocument (through the pages)', () => {
  it('refuses a page that has no title or no mount node: a broken deploy, not a request', () => {
    expect(() =>
      renderShowNotFound(TEMPLATE.replace('<div id="app"></div>', '<div id="root"></div>')),
    ).toThrow(PageTemplateError);
    expect(() => renderShowNotFound(TEMPLATE.replace(/<title>[^<]*<\/title>/, ''))).toThrow(
      PageTemplateError,
    );
  });

  it('summarises whitespace into one line', () => {
    expect(summarise('  a\n\n b\tc ')).toBe('a b c');
  });
});

describe('Function: pageTemplate', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    server = undefined;
  });

  async function serve(): Promise<{ url: string; requests: string[]; body: { text: string } }> {
    const requests: string[] = [];
    const body = { text: '<title>one</title>' };
    server = createServer((req, res) => {
      const etag = `"${body.text.length}"`;
      requests.push(String(req.headers['if-none-match'] ?? ''));
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, { etag, 'content-type': 'text/html' }).end(body.text);
    });
    await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}/shows.html`, requests, body };
  }

  it('keeps the page for its life, then revalidates it with its ETag and takes a new one', async () => {
    // Prepare
    const origin = await serve();
    let clock = 0;
    const template = pageTemplate({ url: origin.url, ttlMs: 1000, now: () => clock });

    // Act / Assess
    expect(await Promise.all([template(), template()])).toEqual(['<title>one</title>', '<title>one</title>']);
    expect(origin.requests).toEqual(['']);
    clock = 1500;
    expect(await template()).toBe('<title>one</title>');
    expect(origin.requests).toEqual(['', '"18"']);
    origin.body.text = '<title>second</title>';
    clock = 3000;
    expect(await template()).toBe('<title>second</title>');
  });

  it('serves the last copy while the portal is down, and is unavailable without one', async () => {
    // Prepare
    const origin = await serve();
    let clock = 0;
    const template = pageTemplate({ url: origin.url, ttlMs: 1000, now: () => clock });
    await template();
    await new Promise<void>((done) => server?.close(() => done()));
    server = undefined;

    // Act / Assess
    clock = 5000;
    expect(await template()).toBe('<title>one</title>');
    await expect(pageTemplate({ url: origin.url, timeoutMs: 500 })()).rejects.toMatchObject({ status: 503 });
  });
});
