import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../infra/local/cloud.ts';
import { checkA11y, newPersonContext, screenshot, signIn, useBrowser } from '../support/browser.ts';
import { until } from '../support/live.ts';
import {
  callFrom,
  collectPageErrors,
  keepFailedPages,
  launchChromiumWithCamera,
  record,
  type ShowsCloud,
  startShowsCloud,
  uploadVideo,
} from '../support/shows-browser.ts';
import { makeTestVideo } from '../support/videos.ts';

declare const document: { querySelector(selector: string): unknown };

/** Frames the page's <video> has decoded, its position, and whether it ever waited for data. */
async function videoReading(page: Page): Promise<{ frames: number; time: number; waits: number }> {
  return page.evaluate(() => {
    const video = document.querySelector('video') as {
      getVideoPlaybackQuality(): { totalVideoFrames: number };
      currentTime: number;
      dataset: Record<string, string>;
    } | null;
    if (!video) return { frames: 0, time: 0, waits: -1 };
    return {
      frames: video.getVideoPlaybackQuality().totalVideoFrames,
      time: video.currentTime,
      waits: Number(video.dataset.waits ?? 0),
    };
  });
}

/** Counts `waiting` events of the page's <video> from now on (a stall shows as one). */
async function countStalls(page: Page): Promise<void> {
  await page.evaluate(() => {
    const video = document.querySelector('video') as {
      dataset: Record<string, string>;
      addEventListener(name: string, listener: () => void): void;
    };
    video.dataset.waits = '0';
    video.addEventListener('waiting', () => {
      video.dataset.waits = String(Number(video.dataset.waits) + 1);
    });
  });
}

/**
 * The shows app as its viewers and a creator's door staff use it, in Debian's Chromium against the
 * local cloud (in process, so its Stripe and scheduler are at hand; playback URLs live 30 s, so a
 * renewal happens while the test watches). A creator publishes a video and puts a show on sale; a
 * viewer signs up on the local identity provider's page, buys on the local Stripe page, lands on
 * the purchase page, sees the ticket with its QR code and watches the show (hls.js decodes frames,
 * the URL is renewed without a stall). The door admits the ticket once and refuses it the second
 * time; a viewer without a ticket sees the no-ticket state. Every page: axe-core and screenshots.
 */
describe('Shows app for viewers in a real browser (local cloud)', () => {
  const browser = useBrowser();
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let shows: ShowsCloud;
  let cloud: LocalCloud;
  let videosDir: string;
  let creator: Page;
  let viewer: Page;
  let showId = '';
  let ticketCode = '';
  const showTitle = `Premiere ${Date.now().toString(36)}`;
  const viewerEmail = `viewer-${Date.now().toString(36)}@example.test`;

  async function personPage(name: string): Promise<Page> {
    const context = await newPersonContext(browser(), cloud.webUrl);
    contexts.push(context);
    collectPageErrors(context, name, pageErrors);
    return context.newPage();
  }

  /** Signs a new person up through the provider's sign-up page, from the show page's link. */
  async function signUpFrom(page: Page, linkName: RegExp, name: string, email: string): Promise<void> {
    await page.getByRole('link', { name: linkName }).first().click();
    await page.getByLabel(/your name|il tuo nome/i).fill(name);
    await page.getByLabel(/e-?mail/i).fill(email);
    await page.getByLabel(/password/i).fill('correct horse battery');
    await page.getByRole('button', { name: /create account|crea account/i }).click();
    await page.waitForURL((url) => url.origin === cloud.webUrl, { timeout: 90_000 });
  }

  beforeAll(async () => {
    videosDir = await mkdtemp(join(tmpdir(), 'fc-shows-browser-src-'));
    shows = await startShowsCloud('shows_browser', {
      logLevel: 'warn',
      transcoders: { count: 1, env: { TRANSCODE_PRESET: 'ultrafast' } },
      liveIngest: { enabled: false },
      // short playback URLs: the watch page renews one while the test watches
      functionEnv: { PLAYBACK_TTL_SECONDS: '30' },
    });
    cloud = shows.cloud;
  }, 300_000);

  afterEach((test) => keepFailedPages(test, contexts, pageErrors, 'failed-shows'));

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await shows?.stop();
    if (videosDir) await rm(videosDir, { recursive: true, force: true });
  }, 180_000);

  it('a creator publishes a video and puts a show on sale', async () => {
    // Prepare: the seeded creator, signed in in a browser of their own
    const person = cloud.identity.seededPeople.find((one) => one.role === 'creator');
    if (!person) throw new Error('no seeded creator');
    creator = await personPage('creator');
    await signIn(
      creator,
      { email: person.email, password: cloud.identity.seededPassword },
      cloud.webUrl,
      '/shows',
    );
    const source = await makeTestVideo(videosDir, {
      width: 320,
      height: 180,
      seconds: 40,
      audio: true,
      gop: 30,
    });
    const bytes = await readFile(source);

    // Act: the video, uploaded to its presigned URL and transcoded; then the show
    const video = await uploadVideo(creator, showTitle, bytes, 180_000);
    const show = await callFrom<{ id: string }>(creator, 'POST', '/shows', {
      title: showTitle,
      description: 'An evening of test patterns.\n\nBring friends.',
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      capacity: 5,
      price: { amount: 1500, currency: 'eur' },
      videoId: video.id,
    });

    // Assess
    expect(video.status).toBe('ready');
    expect(show.status).toBe(201);
    showId = show.json.id;
  }, 300_000);

  it('shows the show in the public catalogue and on its page, signed out', async () => {
    // Prepare
    viewer = await personPage('viewer');

    // Act
    await viewer.goto('/shows');
    const card = viewer.getByRole('link', { name: showTitle });
    await card.waitFor();

    // Assess: time in the viewer's zone, price in euros, seats in words
    const cardText = ((await viewer.locator('.show-card', { has: card }).textContent()) ?? '').replace(
      /\s+/g,
      ' ',
    );
    expect(cardText).toMatch(/€15\.00|15,00 €/);
    expect(cardText).toContain('5 seats left');
    expect(cardText).toMatch(/(UTC|GMT|CET|[A-Z]{3,4})/);
    // the poster (the video's still, same origin) has loaded before the picture is taken
    await until(
      () =>
        viewer.evaluate(() => {
          const img = document.querySelector('.show-card img.poster') as {
            complete: boolean;
            naturalWidth: number;
          } | null;
          return Boolean(img?.complete) && (img?.naturalWidth ?? 0) > 0;
        }),
      (loaded) => loaded,
      30_000,
    );
    await record(viewer, 'shows-catalogue');

    await viewer.goto(`/shows/${showId}`);
    await viewer.getByRole('heading', { level: 1, name: showTitle }).waitFor();
    expect(await viewer.title()).toContain(showTitle);
    const description = await viewer.locator('meta[name="description"]').getAttribute('content');
    expect(description).toContain('test patterns');
    expect(await viewer.locator('meta[property="og:title"]').getAttribute('content')).toBe(showTitle);
    await viewer.getByRole('link', { name: /sign in to buy/i }).waitFor();
    await record(viewer, 'shows-show-signed-out');
  }, 120_000);

  it('the show page arrives rendered for readers that run no script, and the app replaces it without doubling it', async () => {
    // Prepare: a browser whose scripts never arrive (a link preview, a crawler), and one that
    // notes, from the first node the parser inserts, whether the page ever held both pages
    // (its page errors are the blocked scripts, so they are not collected)
    const plainContext = await newPersonContext(browser(), cloud.webUrl);
    contexts.push(plainContext);
    await plainContext.route('**/assets/*.js', (route) => route.abort());
    const plain = await plainContext.newPage();
    const page = await personPage('takeover');
    await page.addInitScript(`(() => {
      const seen = { rendered: false, both: 0, headings: 0 };
      window.__takeover = seen;
      new MutationObserver(() => {
        const app = document.getElementById('app');
        const rendered = document.querySelector('[data-prerendered]');
        if (rendered) seen.rendered = true;
        if (app && rendered && app.children.length > 1) seen.both += 1;
        seen.headings = Math.max(seen.headings, document.querySelectorAll('h1').length);
      }).observe(document, { childList: true, subtree: true });
    })()`);

    // Act
    await plain.goto(`/shows/${showId}`);
    await page.goto(`/shows/${showId}`);

    // Assess: without script, the show's page and its tags from the server
    await plain.getByRole('heading', { level: 1, name: showTitle }).waitFor();
    expect(await plain.getByRole('link', { name: 'Sign in to buy' }).count()).toBe(1);
    expect(await plain.locator('[data-prerendered] time').textContent()).toMatch(/ UTC$/);
    expect(await plain.locator('[data-prerendered] .show-facts').textContent()).toContain('€15.00');
    expect(await plain.locator('meta[property="og:image"]').getAttribute('content')).toBe(
      `${cloud.webUrl}/v1/shows/${showId}/poster`,
    );
    expect(await plain.locator('link[rel="canonical"]').getAttribute('href')).toBe(
      `${cloud.webUrl}/shows/${showId}`,
    );
    await screenshot(plain, 'shows-show-no-script');
    await checkA11y(plain, 'shows-show-no-script');
    // with script, the app's page alone, its tags not doubled
    await page.getByRole('heading', { level: 1, name: showTitle }).waitFor();
    await page.getByRole('link', { name: /sign in to buy/i }).waitFor();
    const takeover = (await page.evaluate('window.__takeover')) as {
      rendered: boolean;
      both: number;
      headings: number;
    };
    expect(takeover).toEqual({ rendered: true, both: 0, headings: 1 });
    expect(await page.locator('[data-prerendered]').count()).toBe(0);
    for (const selector of [
      'meta[name="description"]',
      'meta[property="og:title"]',
      'link[rel="canonical"]',
    ]) {
      expect({ selector, count: await page.locator(selector).count() }).toEqual({ selector, count: 1 });
    }
    await page.context().close();
    await plain.context().close();
  }, 120_000);

  it('a viewer signs up, buys a ticket on the Stripe page and sees it on the purchase page with its QR code', async () => {
    // Act: sign up from the show page, come back to it, buy one
    await signUpFrom(viewer, /create an account/i, 'Giulia Verdi', viewerEmail);
    await viewer.getByRole('heading', { level: 1, name: showTitle }).waitFor();
    expect(new URL(viewer.url()).pathname).toBe(`/shows/${showId}`);
    await record(viewer, 'shows-show-signed-in');
    await viewer.getByRole('button', { name: /buy a ticket for/i }).click();
    await viewer.waitForURL((url) => url.origin === new URL(cloud.stripe.url).origin);
    await viewer.getByRole('button', { name: /^pay$/i }).click();
    await viewer.waitForURL((url) => url.origin === cloud.webUrl && url.pathname.endsWith('/bought'));
    // a mark in this document: a reload would lose it
    await viewer.evaluate(() => {
      (globalThis as { sameDocument?: boolean }).sameDocument = true;
    });
    await viewer.getByText(/paid\. your ticket is below/i).waitFor({ timeout: 90_000 });
    const qr = viewer.getByRole('img', { name: /qr code of ticket 1/i });
    await qr.waitFor();

    // Assess: the ticket appeared without a reload (same document), with a QR code of its code
    expect(await viewer.evaluate(() => (globalThis as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(await qr.getAttribute('data-code')).toMatch(/^FCT1\./);
    await record(viewer, 'shows-bought');
  }, 240_000);

  it('lists the ticket in My tickets, and one ticket shows a large QR code with its code', async () => {
    await viewer
      .getByRole('link', { name: /my tickets/i })
      .first()
      .click();
    await viewer.getByRole('heading', { level: 1, name: /my tickets/i }).waitFor();
    await viewer.getByRole('img', { name: /qr code of ticket 1/i }).waitFor();
    expect(await viewer.getByText('Valid', { exact: true }).count()).toBeGreaterThan(0);
    await record(viewer, 'shows-tickets');

    await viewer
      .getByRole('link', { name: /show at the door/i })
      .first()
      .click();
    const large = viewer.getByRole('img', { name: /qr code of ticket 1/i });
    await large.waitFor();
    ticketCode = (await large.getAttribute('data-code')) ?? '';
    expect(ticketCode).toMatch(/^FCT1\./);
    expect(await viewer.locator('.ticket-code code').textContent()).toBe(ticketCode);
    expect(Number(await large.getAttribute('width'))).toBeGreaterThanOrEqual(320);
    await record(viewer, 'shows-ticket');
  }, 120_000);

  it('plays the show on the watch page and renews the playback URL without a stall', async () => {
    // Prepare
    const playbackCalls: number[] = [];
    viewer.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith(`/v1/shows/${showId}/playback`))
        playbackCalls.push(Date.now());
    });

    // Act
    await viewer.goto(`/watch/${showId}`);
    await viewer.locator('video').waitFor();
    const first = await until(
      () => videoReading(viewer),
      (reading) => reading.frames > 30,
      90_000,
    );
    // from here on, before the first renewal (at ~15 s), any wait for data is a stall
    await countStalls(viewer);
    await record(viewer, 'shows-watch');
    // the URL lives 30 s: renewed at ~15 s; keep watching past the first URL's end
    const later = await until(
      () => videoReading(viewer),
      (reading) => playbackCalls.length >= 2 && reading.time > 20,
      90_000,
    );

    // Assess
    expect(first.frames).toBeGreaterThan(30);
    expect(playbackCalls.length).toBeGreaterThanOrEqual(2);
    expect(later.frames).toBeGreaterThan(first.frames);
    expect(later.waits).toBe(0);
    expect(await viewer.locator('.watch-state').textContent()).toBe('');
  }, 240_000);

  it('the door admits the ticket once and refuses it the second time', async () => {
    // Act
    await creator.goto(`/door/${showId}`);
    await creator.getByRole('heading', { level: 1, name: new RegExp(showTitle) }).waitFor();
    await record(creator, 'shows-door');
    await creator.getByLabel(/ticket code/i).fill(ticketCode);
    await creator.getByRole('button', { name: /check in/i }).click();
    await creator
      .locator('.door-verdict')
      .getByText(/admitted: seat 1/i)
      .waitFor();
    await record(creator, 'shows-door-admitted');
    await creator.getByLabel(/ticket code/i).fill(ticketCode);
    await creator.getByRole('button', { name: /check in/i }).click();
    const refusal = creator.locator('.door-verdict').getByText(/already checked in at/i);
    await refusal.waitFor();

    // Assess
    expect(await refusal.textContent()).toMatch(/refused: this ticket was already checked in at \d\d:\d\d/i);
    await record(creator, 'shows-door-refused');
    await creator.getByLabel(/ticket code/i).fill('FCT1.nonsense');
    await creator.getByRole('button', { name: /check in/i }).click();
    await creator
      .locator('.door-verdict')
      .getByText(/not a genuine ticket code|no ticket has this code/i)
      .waitFor();
  }, 120_000);

  it('the door reads a code from the camera where the browser has a barcode detector', async () => {
    // Prepare: a browser with a (fake) camera, and a BarcodeDetector that reads what the test
    // shows it (Linux Chromium has none; the page feature-detects it)
    const cameraBrowser = await launchChromiumWithCamera();
    try {
      const context = await cameraBrowser.newContext({
        baseURL: cloud.webUrl,
        permissions: ['camera'],
        viewport: { width: 1280, height: 800 },
        locale: 'en-GB',
      });
      context.setDefaultTimeout(60_000);
      await context.addInitScript(() => {
        const scope = globalThis as unknown as Record<string, unknown>;
        scope.BarcodeDetector = class {
          static async getSupportedFormats() {
            return ['qr_code'];
          }
          async detect() {
            return typeof scope.shownCode === 'string' ? [{ rawValue: scope.shownCode }] : [];
          }
        };
      });
      const door = await context.newPage();
      const person = cloud.identity.seededPeople.find((one) => one.role === 'creator');
      if (!person) throw new Error('no seeded creator');
      await signIn(
        door,
        { email: person.email, password: cloud.identity.seededPassword },
        cloud.webUrl,
        `/door/${showId}`,
      );
      await door.getByRole('heading', { level: 1, name: new RegExp(showTitle) }).waitFor();

      // Act: the camera on, then the ticket held up to it
      await door.getByRole('button', { name: /scan with the camera/i }).click();
      await door.getByLabel(/camera preview/i).waitFor();
      await door.evaluate((code) => {
        (globalThis as unknown as Record<string, unknown>).shownCode = code;
      }, ticketCode);

      // Assess: read and sent (the ticket was checked in by hand before)
      await door
        .locator('.door-verdict')
        .getByText(/already checked in at/i)
        .waitFor();
      await record(door, 'shows-door-camera');
      await door.getByRole('button', { name: /stop the camera/i }).click();
      await context.close();
    } finally {
      await cameraBrowser.close();
    }
  }, 180_000);

  it('the catalogue’s tabs ask for live and on-demand shows', async () => {
    const page = await personPage('tabs');
    await page.goto('/shows');
    await page.getByRole('link', { name: /live now/i }).click();
    await page.getByText(/nothing is live right now/i).waitFor();
    expect(await page.getByRole('link', { name: showTitle }).count()).toBe(0);
    await record(page, 'shows-catalogue-live-empty');
    await page.getByRole('link', { name: /on demand/i }).click();
    await page
      .getByRole('link', { name: /on demand/i, exact: false })
      .first()
      .waitFor();
    await page.context().close();
  }, 120_000);

  it('a viewer without a ticket sees the no-ticket state, not the stream', async () => {
    // Prepare
    const other = await personPage('no-ticket');
    await other.goto(`/shows/${showId}`);
    await signUpFrom(other, /create an account/i, 'Paolo Gialli', `other-${viewerEmail}`);

    // Act
    await other.goto(`/watch/${showId}`);
    await other.getByText(/you need a ticket to watch this show/i).waitFor();

    // Assess
    expect(await other.locator('video').count()).toBe(0);
    await other.getByRole('link', { name: /buy a ticket/i }).waitFor();
    await record(other, 'shows-watch-no-ticket');
  }, 120_000);

  it('a refund at Stripe ends playback on the open watch page, in words', async () => {
    // Prepare: the viewer is still watching
    expect(new URL(viewer.url()).pathname).toBe(`/watch/${showId}`);
    // the one paid Checkout Session of this cloud is the viewer's
    const paid = cloud.stripe.sessions().filter((session) => session.payment_status === 'paid');
    expect(paid).toHaveLength(1);
    const paymentIntent = String(paid[0]?.payment_intent);
    const startedAt = Date.now();

    // Act: the payment is refunded at the local Stripe server, which tells the platform by webhook
    const refund = await fetch(`${cloud.stripe.url}/v1/refunds`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${cloud.platformEnv.STRIPE_SECRET_KEY}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ payment_intent: paymentIntent, reason: 'requested_by_customer' }),
    });
    expect(refund.status).toBe(200);
    await cloud.stripe.flush();
    // the next renewal (every 15 s with 30 s URLs) or the edge's refusal says so
    await viewer
      .locator('.watch-state')
      .getByText(/no longer valid/i)
      .waitFor({ timeout: 60_000 });

    // Assess
    expect(Date.now() - startedAt).toBeLessThan(60_000);
    expect(await viewer.locator('video').count()).toBe(0);
    await record(viewer, 'shows-watch-refunded');
    await viewer.goto('/tickets');
    await viewer
      .getByText(/revoked: refunded/i)
      .first()
      .waitFor();
    await record(viewer, 'shows-tickets-refunded');
  }, 120_000);

  it('leaving the Stripe page returns to the show saying nothing was charged; the page speaks Italian on request', async () => {
    // Act: two seats, then Cancel on the payment page
    await viewer.goto(`/shows/${showId}`);
    await viewer.getByLabel(/number of tickets/i).fill('2');
    await viewer.getByRole('button', { name: /buy 2 for €30\.00/i }).click();
    await viewer.waitForURL((url) => url.origin === new URL(cloud.stripe.url).origin);
    await viewer.getByRole('button', { name: /^cancel$/i }).click();
    await viewer.waitForURL(
      (url) => url.origin === cloud.webUrl && url.searchParams.get('checkout') === 'cancelled',
    );
    await viewer.getByText(/nothing was charged/i).waitFor();

    // Assess
    expect(new URL(viewer.url()).pathname).toBe(`/shows/${showId}`);
    await record(viewer, 'shows-show-checkout-cancelled');
    await viewer.getByLabel(/language/i).selectOption('it');
    await viewer.getByRole('heading', { level: 2, name: 'Biglietti' }).waitFor();
    expect(await viewer.locator('html').getAttribute('lang')).toBe('it');
    expect((await viewer.locator('.show-facts').textContent()) ?? '').toMatch(/15,00\s€/);
    await record(viewer, 'shows-show-italian');
  }, 120_000);

  it('a purchase whose payment page expired says so in words on the purchase page', async () => {
    // Prepare: the viewer starts buying and leaves the payment page open
    await viewer.goto(`/shows/${showId}`);
    await viewer.getByRole('button', { name: /compra un biglietto|buy a ticket/i }).click();
    await viewer.waitForURL((url) => url.origin === new URL(cloud.stripe.url).origin);
    const sessionId = /\/c\/pay\/([^/?#]+)/.exec(viewer.url())?.[1] ?? '';
    const holdId = new URL(cloud.stripe.session(sessionId)?.cancel_url ?? 'http://x/').searchParams.get(
      'hold',
    );
    expect(holdId).toBeTruthy();

    // Act: Stripe expires the session (as after 30 minutes), which it tells the platform by webhook
    const expired = await fetch(`${cloud.stripe.url}/v1/checkout/sessions/${sessionId}/expire`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cloud.platformEnv.STRIPE_SECRET_KEY}` },
    });
    expect(expired.status).toBe(200);
    await cloud.stripe.flush();
    await viewer.goto(`/shows/${showId}/bought?hold=${holdId}`);

    // Assess (the page is in Italian since the last step)
    await viewer
      .locator('.hold-state')
      .getByText(/il tempo per pagare è scaduto/i)
      .waitFor();
    await record(viewer, 'shows-bought-expired');
    // someone else's purchase, or none: said once, not asked for again and again
    const holdCalls: string[] = [];
    viewer.on('request', (request) => {
      if (request.url().includes('/v1/holds/')) holdCalls.push(request.url());
    });
    await viewer.goto(`/shows/${showId}/bought?hold=01HZX3K4M5N6P7Q8R9S0T1V2W3`);
    await viewer.getByText(/non troviamo questo acquisto/i).waitFor();
    await viewer.waitForTimeout(3_500);
    expect(holdCalls).toHaveLength(1);
  }, 120_000);

  it('a show whose seats are all held or sold says sold out, in the catalogue and on its page', async () => {
    // Prepare: a one-seat show, its seat held by the viewer's open checkout
    const small = await callFrom<{ id: string }>(creator, 'POST', '/shows', {
      title: `${showTitle} (one seat)`,
      startsAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      capacity: 1,
      price: { amount: 500, currency: 'jpy' },
    });
    expect(small.status).toBe(201);
    const hold = await callFrom<{ holdId: string }>(viewer, 'POST', `/shows/${small.json.id}/checkout`, {
      quantity: 1,
    });
    expect(hold.status).toBe(201);
    const visitor = await personPage('visitor');

    // Act
    await visitor.goto(`/shows/${small.json.id}`);
    await visitor.getByRole('heading', { level: 1, name: `${showTitle} (one seat)` }).waitFor();

    // Assess: the words, the yen without decimals, and no buy button
    await visitor.getByText(/every seat is taken/i).waitFor();
    expect((await visitor.locator('.show-facts').textContent()) ?? '').toMatch(/JP¥500|¥500/);
    expect((await visitor.locator('.show-facts').textContent()) ?? '').toContain('Sold out');
    expect(await visitor.getByRole('link', { name: /sign in to buy/i }).count()).toBe(0);
    await record(visitor, 'shows-show-sold-out');
    await visitor.context().close();
  }, 120_000);
});
