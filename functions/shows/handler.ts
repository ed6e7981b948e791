import { log } from '#shared/base/log.ts';
import { createPool } from '#shared/db/pool.ts';
import { DependencyUnavailableError, NotFoundError, ValidationError } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import { paymentsFromConfig } from '#shared/payments/payments-from-config.ts';
import { type ApiResponse, parseJsonBody, validate } from '#shared/runtime/api.ts';
import type { Principal } from '#shared/runtime/auth-context.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { requirePrincipal, requireScope } from '#shared/runtime/principal.ts';
import { holderOf } from '#shared/shows/holder.ts';
import { findBuyerHold } from '#shared/shows/seat-holds.ts';
import { MAX_POSTER_BYTES } from '#shared/shows/show.ts';
import {
  findPublicShow,
  findShow,
  insertShow,
  listOrgShows,
  listShows,
} from '#shared/shows/show-repository.ts';
import { objectStoreFromConfig } from '#shared/storage/s3-object-store.ts';
import { findOrgVideo } from '#shared/video/video-repository.ts';
import { checkout, personReturnUrls } from './checkout.ts';
import { loadShowsConfig } from './config.ts';
import { capacityBelowSold, priceLocked } from './errors.ts';
import { showsManifest } from './manifest.ts';
import { pageTemplate } from './page-template.ts';
import { presentHold, presentSales, presentShow, presentStudioShow } from './present.ts';
import { renderCataloguePage, renderShowNotFound, renderShowPage } from './public-page.ts';
import {
  checkoutSchema,
  createShowSchema,
  editShowSchema,
  encodeCursor,
  holdIdSchema,
  listQuerySchema,
  salesQuerySchema,
  showIdSchema,
  studioListQuerySchema,
} from './schema.ts';
import { editShow } from './show-edits.ts';
import { salesByDay, salesOfShows } from './studio-stats.ts';

const config = loadShowsConfig();
const pool = createPool(config.MYSQL_URL);
const store = objectStoreFromConfig(config);
const checkoutDeps = {
  pool,
  payments: paymentsFromConfig(config),
  holdMinutes: config.CHECKOUT_HOLD_MINUTES,
  successUrl: config.CHECKOUT_SUCCESS_URL,
  cancelUrl: config.CHECKOUT_CANCEL_URL,
};
const personUrls = config.PORTAL_ORIGIN ? personReturnUrls(config.PORTAL_ORIGIN) : undefined;
/** Public answers may be cached briefly: seat counts a few seconds old are fine for browsing. */
const PUBLIC_CACHE = 'public, max-age=5';
/** Posters change only when a new version of the video is published. */
const POSTER_CACHE = 'public, max-age=300';
/**
 * The rendered public pages (`/shows`, `/shows/{id}` through the portal's edge): a minute fresh,
 * then served stale while one request refreshes them, and for a day if this function fails. A
 * title edit or a cancellation shows within about a minute (the app itself reads the API).
 */
const PAGE_CACHE = 'public, max-age=60, stale-while-revalidate=300, stale-if-error=86400';
/** A show not found may be created (or its id mistyped) a moment later: remembered briefly. */
const NOT_FOUND_PAGE_CACHE = 'public, max-age=10';
/**
 * Served through the portal's edge (or the local web server), which sets the portal's own CSP;
 * this one holds if the document is ever opened at its /v1 address.
 */
const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const portalOrigin = config.PORTAL_ORIGIN ? new URL(config.PORTAL_ORIGIN).origin : undefined;
const showsTemplate = portalOrigin ? pageTemplate({ url: `${portalOrigin}/shows.html` }) : undefined;
/** How many upcoming shows the catalogue's page lists without JavaScript. */
const CATALOGUE_PAGE_SHOWS = 12;

function portalPage(): { origin: string; template: () => Promise<string> } {
  if (!portalOrigin || !showsTemplate) {
    throw new DependencyUnavailableError('PORTAL_ORIGIN is not set: no public pages to render');
  }
  return { origin: portalOrigin, template: showsTemplate };
}

function sendPage(res: ApiResponse, status: number, cacheControl: string, html: string): void {
  res
    .status(status)
    .type('text/html; charset=utf-8')
    .set({
      'Cache-Control': cacheControl,
      'Content-Security-Policy': PAGE_CSP,
      'X-Content-Type-Options': 'nosniff',
    })
    .send(html);
}

/** The caller's organisation's show, for its creator (another organisation's reads as missing). */
async function ownShow(principal: Principal, id: string) {
  const found = await findShow(pool, id);
  const mine = found && principal.orgId !== '' && found.show.orgId === principal.orgId;
  if (!found || !(mine || principal.scopes.includes('admin'))) throw new NotFoundError(`No show ${id}`);
  return found;
}

export const handler = httpFunction(showsManifest, () => ({
  createShow: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'shows:write');
    const input = parseJsonBody(req, createShowSchema);
    if (input.videoId && !(await findOrgVideo(pool, principal.orgId, input.videoId))) {
      throw new ValidationError('The body is not valid', {
        extensions: { errors: [{ pointer: '/videoId', detail: 'no video of yours has this id' }] },
      });
    }
    const id = newId();
    await insertShow(pool, {
      id,
      orgId: principal.orgId,
      title: input.title,
      description: input.description || null,
      startsAt: input.startsAt,
      capacity: input.capacity,
      priceAmount: input.price.amount,
      currency: input.price.currency,
      videoId: input.videoId ?? null,
    });
    const created = await findShow(pool, id);
    if (!created) throw new Error('show vanished after insert');
    res
      .status(201)
      .location(`/v1/shows/${id}`)
      .set('Cache-Control', 'private, no-store')
      .json(presentShow(created.show, created.now));
  },

  listShows: async (req, res) => {
    const query = validate(listQuerySchema, req.query, 'query');
    const page = await listShows(pool, {
      when: query.when,
      limit: query.limit,
      ...(query.cursor ? { after: query.cursor } : {}),
    });
    res.set('Cache-Control', PUBLIC_CACHE).json({
      items: page.items.map((show) => presentShow(show, page.now)),
      nextCursor: page.next ? encodeCursor(page.next) : null,
    });
  },

  getShow: async (req, res) => {
    const id = validate(showIdSchema, req.params.id, 'path');
    const found = await findShow(pool, id);
    if (!found) throw new NotFoundError(`No show ${id}`);
    res.set('Cache-Control', PUBLIC_CACHE).json(presentShow(found.show, found.now));
  },

  // The public pages as HTML with their content and meta tags (public-page.ts): the portal's edge
  // answers /shows and /shows/{id} with these, the app takes over in the browser.
  getCataloguePage: async (_req, res) => {
    const { origin, template } = portalPage();
    const [html, page] = await Promise.all([
      template(),
      listShows(pool, { when: 'upcoming', limit: CATALOGUE_PAGE_SHOWS }),
    ]);
    sendPage(res, 200, PAGE_CACHE, renderCataloguePage(html, page.items, origin));
  },

  getShowPage: async (req, res) => {
    const { origin, template } = portalPage();
    const id = showIdSchema.safeParse(req.params.id);
    // cancelled shows are not read at all (findPublicShow), so nothing of them reaches the page
    const [html, found] = await Promise.all([
      template(),
      id.success ? findPublicShow(pool, id.data) : Promise.resolve(undefined),
    ]);
    if (!found) sendPage(res, 404, NOT_FOUND_PAGE_CACHE, renderShowNotFound(html));
    else sendPage(res, 200, PAGE_CACHE, renderShowPage(html, found.show, found.now, origin));
  },

  getShowPoster: async (req, res) => {
    const id = validate(showIdSchema, req.params.id, 'path');
    const found = await findShow(pool, id);
    if (!found?.show.posterKey) throw new NotFoundError(`No poster for show ${id}`);
    const { body, head } = await store.get(config.MEDIA_BUCKET, found.show.posterKey);
    if (head.size > MAX_POSTER_BYTES) {
      body.destroy();
      log.warn('poster larger than served; refused', { showId: id, bytes: head.size });
      throw new NotFoundError(`No poster for show ${id}`);
    }
    // Bounded by the size check above and counted again while reading (a size that lied).
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of body) {
      bytes += (chunk as Buffer).length;
      if (bytes > MAX_POSTER_BYTES) {
        body.destroy();
        throw new NotFoundError(`No poster for show ${id}`);
      }
      chunks.push(chunk as Buffer);
    }
    res.type('image/jpeg').set('Cache-Control', POSTER_CACHE).send(Buffer.concat(chunks));
  },

  editShow: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'shows:write');
    const id = validate(showIdSchema, req.params.id, 'path');
    const input = parseJsonBody(req, editShowSchema);
    const { show } = await ownShow(principal, id);
    const outcome = await editShow(pool, { orgId: show.orgId, showId: id }, input);
    if (outcome.kind === 'missing') throw new NotFoundError(`No show ${id}`);
    if (outcome.kind === 'capacity-below-sold') throw capacityBelowSold(outcome.minimum);
    if (outcome.kind === 'price-locked') throw priceLocked();
    const edited = await findShow(pool, id);
    if (!edited) throw new NotFoundError(`No show ${id}`);
    res.set('Cache-Control', 'private, no-store').json(presentShow(edited.show, edited.now));
  },

  checkoutShow: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'tickets:buy');
    const showId = validate(showIdSchema, req.params.id, 'path');
    const input = parseJsonBody(req, checkoutSchema);
    const buyer = holderOf(principal);
    const result = await checkout(checkoutDeps, {
      showId,
      buyer,
      quantity: input.quantity,
      ...(buyer.kind === 'person' && personUrls ? { returnUrls: personUrls } : {}),
    });
    res
      .status(201)
      .set('Cache-Control', 'private, no-store')
      .json({ ...result, expiresAt: result.expiresAt.toISOString() });
  },

  getHold: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'tickets:buy', 'tickets:read');
    const id = validate(holdIdSchema, req.params.id, 'path');
    const hold = await findBuyerHold(pool, holderOf(principal), id);
    if (!hold) throw new NotFoundError(`No order ${id}`);
    res.set('Cache-Control', 'private, no-store').json(presentHold(hold));
  },

  listStudioShows: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'shows:write');
    const query = validate(studioListQuerySchema, req.query, 'query');
    const page = await listOrgShows(pool, principal.orgId, {
      limit: query.limit,
      ...(query.cursor ? { before: query.cursor } : {}),
    });
    const sales = await salesOfShows(
      pool,
      page.items.map((show) => show.id),
    );
    res.set('Cache-Control', 'private, no-store').json({
      items: page.items.map((show) =>
        presentStudioShow(show, sales.get(show.id) ?? { checkedIn: 0, revenue: 0, refunded: 0 }, page.now),
      ),
      nextCursor: page.next,
    });
  },

  getShowSales: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'shows:write');
    const id = validate(showIdSchema, req.params.id, 'path');
    const query = validate(salesQuerySchema, req.query, 'query');
    const { show, now } = await ownShow(principal, id);
    const days = await salesByDay(pool, id, query.days, now);
    res.set('Cache-Control', 'private, no-store').json(presentSales(show.currency, days));
  },
}));
