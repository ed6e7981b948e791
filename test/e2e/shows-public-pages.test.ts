import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOperatorKey } from '../../infra/local/bootstrap.ts';
import { type ShowsCloud, startShowsCloud } from '../support/shows-browser.ts';
import { makeTestVideo } from '../support/videos.ts';

/**
 * The shows app's public pages as a link preview or a crawler gets them: plain HTTP, no script
 * run, through the local cloud's web server, which answers /shows and /shows/{id} with the shows
 * function's rendered page (GET /v1/pages/…) as the portal's Fastly service does. The tags and the
 * page in the mount node are read from the bytes; the app's assets are still named, so it takes
 * over in a browser (test/browser/shows-viewer.test.ts).
 */
const HOSTILE_TITLE = `Jazz </title><script>alert("x")</script> & 'friends' $&`;

const decodeEntities = (text: string) =>
  text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
function metaOf(html: string, key: string): string[] {
  const pattern = new RegExp(
    `<meta (?:name|property)="${key.replace(/[.:]/g, '\\$&')}" content="([^"]*)"`,
    'g',
  );
  return [...html.matchAll(pattern)].map((match) => decodeEntities(match[1] ?? ''));
}
const canonicalOf = (html: string) => /<link rel="canonical" href="([^"]*)"/.exec(html)?.[1] ?? null;
const count = (html: string, needle: string) => html.split(needle).length - 1;
const mountOf = (html: string) => html.slice(html.indexOf('<div id="app">'), html.indexOf('<noscript>'));

describe('Public show pages without JavaScript (local cloud, plain HTTP)', () => {
  let shows: ShowsCloud;
  let videosDir: string;
  let web: string;
  let staticPage: string;
  let creator: string;
  const ids: Record<'poster' | 'yen' | 'cancelled', string> = { poster: '', yen: '', cancelled: '' };

  const call = async (method: string, path: string, body?: unknown) =>
    fetch(`${shows.cloud.gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${creator}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const createShow = async (body: Record<string, unknown>) => {
    const response = await call('POST', '/shows', {
      startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      capacity: 50,
      ...body,
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };

  beforeAll(async () => {
    videosDir = await mkdtemp(join(tmpdir(), 'fc-show-pages-src-'));
    shows = await startShowsCloud('show_pages', {
      logLevel: 'warn',
      authorizerCacheMs: 0,
      schedules: { autoStart: false },
      transcoders: { count: 1, env: { TRANSCODE_PRESET: 'ultrafast' } },
      liveIngest: { enabled: false },
    });
    web = shows.cloud.webUrl;
    const operator = (
      await readFile((await ensureOperatorKey(shows.cloud.mysqlUrl, shows.dataDir)).file, 'utf8')
    ).trim();
    const org = await fetch(`${shows.cloud.gatewayUrl}/orgs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Blue "Room"', kind: 'creator', scopes: ['videos:write', 'shows:write'] }),
    });
    expect(org.status).toBe(201);
    creator = ((await org.json()) as { apiKey: { key: string } }).apiKey.key;

    // a published video, so the show has a poster
    const source = await makeTestVideo(videosDir, {
      width: 640,
      height: 360,
      seconds: 2,
      audio: false,
      codec: 'mpeg4',
    });
    const bytes = await readFile(source);
    const created = await call('POST', '/videos', {
      title: 'Set',
      contentType: 'video/mp4',
      sizeBytes: bytes.length,
    });
    const video = (await created.json()) as {
      id: string;
      upload: { url: string; headers: Record<string, string> };
    };
    await fetch(video.upload.url, { method: 'PUT', headers: video.upload.headers, body: bytes });
    for (let status = ''; status !== 'ready'; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = ((await (await call('GET', `/videos/${video.id}`)).json()) as { status: string }).status;
      expect(status).not.toBe('failed');
    }

    ids.poster = await createShow({
      title: HOSTILE_TITLE,
      description: 'Late "set" <b>two</b> hours.',
      price: { amount: 1500, currency: 'eur' },
      videoId: video.id,
    });
    ids.yen = await createShow({ title: 'Tokyo night', price: { amount: 500, currency: 'jpy' } });
    ids.cancelled = await createShow({
      title: 'Secret cancelled show',
      description: 'Nobody should read this',
      price: { amount: 900, currency: 'usd' },
    });
    // no API cancels a show yet; the status is what the page must respect
    await shows.db.pool.query("UPDATE shows SET status = 'cancelled' WHERE id = ?", [ids.cancelled]);
    staticPage = await (await fetch(`${web}/shows.html`)).text();
  }, 240_000);

  afterAll(async () => {
    await shows?.stop();
    await rm(videosDir, { recursive: true, force: true });
  });

  it('answers a show’s page with its tags and a page in the mount node, escaped, cacheable at the edge', async () => {
    // Act
    const response = await fetch(`${web}/shows/${ids.poster}`);
    const html = await response.text();

    // Assess: the document and its headers
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe(
      'public, max-age=60, stale-while-revalidate=300, stale-if-error=86400',
    );
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain(`media-src 'self' blob: ${shows.cloud.edgeUrl}`); // the portal's policy, not the function's
    // the tags
    const url = `${web}/shows/${ids.poster}`;
    const poster = `${web}/v1/shows/${ids.poster}/poster`;
    expect(metaOf(html, 'og:title')).toEqual([HOSTILE_TITLE]);
    expect(metaOf(html, 'twitter:title')).toEqual([HOSTILE_TITLE]);
    expect(metaOf(html, 'og:description')).toEqual(['Late "set" <b>two</b> hours.']);
    expect(metaOf(html, 'description')).toEqual(['Late "set" <b>two</b> hours.']);
    expect(metaOf(html, 'og:url')).toEqual([url]);
    expect(metaOf(html, 'og:type')).toEqual(['video.other']);
    expect(metaOf(html, 'og:image')).toEqual([poster]);
    expect(metaOf(html, 'twitter:card')).toEqual(['summary_large_image']);
    expect(canonicalOf(html)).toBe(url);
    expect(metaOf(html, 'robots')).toEqual([]);
    // nothing of the title became markup: the built page's scripts and no more, one title
    expect(count(html, '<script')).toBe(count(staticPage, '<script'));
    expect(count(html, '</title>')).toBe(1);
    expect(html).not.toContain('<b>two</b>');
    // the page without JavaScript
    const mount = mountOf(html);
    expect(mount).toContain(
      '<h1>Jazz &lt;/title&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;friends&#39; $&amp;</h1>',
    );
    expect(mount).toMatch(/<time datetime="[^"]+Z">\w{3}, \d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC<\/time>/);
    expect(mount).toContain('<dd>€15.00</dd>');
    expect(mount).toContain(`href="/v1/session/login?returnTo=%2Fshows%2F${ids.poster}">Sign in to buy</a>`);
    expect(mount).toContain('by Blue &quot;Room&quot;');
    // what the tags and the page point at is there
    const image = await fetch(poster);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    const entry = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"><\/script>/.exec(html)?.[1];
    expect(entry).toBeDefined();
    expect((await fetch(`${web}${entry}`)).status).toBe(200);
  });

  it('writes a yen price without decimals and gives a show without poster a small card', async () => {
    const html = await (await fetch(`${web}/shows/${ids.yen}`)).text();

    expect(metaOf(html, 'og:title')).toEqual(['Tokyo night']);
    expect(mountOf(html)).toContain('<dd>JP¥500</dd>');
    expect(metaOf(html, 'og:image')).toEqual([]);
    expect(metaOf(html, 'twitter:card')).toEqual(['summary']);
    expect(metaOf(html, 'description')[0]).toContain('Tickets JP¥500.');
  });

  it('answers a cancelled or unknown show with a noindex 404 that names no show', async () => {
    for (const id of [ids.cancelled, '01HZX3K4M5N6P7Q8R9S0T1V2W3']) {
      const response = await fetch(`${web}/shows/${id}`);
      const html = await response.text();

      expect({ id, status: response.status }).toEqual({ id, status: 404 });
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(metaOf(html, 'robots')).toEqual(['noindex']);
      expect(html).not.toContain('Secret cancelled show');
      expect(html).not.toContain('Nobody should read this');
      expect(canonicalOf(html)).toBeNull();
      expect(mountOf(html)).toContain('<h1>Show not found</h1>');
      // the app still starts there
      expect(count(html, '<script')).toBe(count(staticPage, '<script'));
    }
  });

  it('answers the catalogue with its own tags and links to the upcoming shows, never the cancelled one', async () => {
    const response = await fetch(`${web}/shows`);
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(canonicalOf(html)).toBe(`${web}/shows`);
    expect(metaOf(html, 'og:url')).toEqual([`${web}/shows`]);
    expect(metaOf(html, 'og:type')).toEqual(['website']);
    expect(metaOf(html, 'og:title')).toEqual(['Shows']);
    expect(mountOf(html)).toContain(`<a href="/shows/${ids.yen}">Tokyo night</a>`);
    expect(mountOf(html)).toContain(`<a href="/shows/${ids.poster}">Jazz &lt;/title&gt;`);
    expect(html).not.toContain('Secret cancelled show');
  });

  it('renders the page whatever the query, answers HEAD, and leaves the app’s other addresses static', async () => {
    const cancelledCheckout = await (await fetch(`${web}/shows/${ids.yen}?checkout=cancelled&hold=x`)).text();
    const head = await fetch(`${web}/shows/${ids.yen}`, { method: 'HEAD' });
    const bought = await fetch(`${web}/shows/${ids.yen}/bought?hold=01HZX3K4M5N6P7Q8R9S0T1V2W3`);

    expect(metaOf(cancelledCheckout, 'og:title')).toEqual(['Tokyo night']);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await head.text()).toBe('');
    expect(bought.headers.get('cache-control')).toBe('no-cache');
    expect(await bought.text()).toBe(staticPage);
  });
});
