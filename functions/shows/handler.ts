import { createPool } from '#shared/db/pool.ts';
import { NotFoundError, ValidationError } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import { paymentsFromConfig } from '#shared/payments/payments-from-config.ts';
import { createApi, parseJsonBody, validate } from '#shared/runtime/api.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { requirePrincipal, requireScope } from '#shared/runtime/principal.ts';
import { holderOf } from '#shared/shows/holder.ts';
import { findBuyerHold } from '#shared/shows/seat-holds.ts';
import { findShow, insertShow, listUpcomingShows } from '#shared/shows/show-repository.ts';
import { findOrgVideo } from '#shared/video/video-repository.ts';
import { checkout, personReturnUrls } from './checkout.ts';
import { loadShowsConfig } from './config.ts';
import { presentHold, presentShow } from './present.ts';
import {
  checkoutSchema,
  createShowSchema,
  encodeCursor,
  holdIdSchema,
  listQuerySchema,
  showIdSchema,
} from './schema.ts';

const config = loadShowsConfig();
const pool = createPool(config.MYSQL_URL);
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

export const handler = httpFunction(() => {
  const app = createApi();

  app.post('/shows', async (req, res) => {
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
  });

  app.get('/shows', async (req, res) => {
    const query = validate(listQuerySchema, req.query, 'query');
    const page = await listUpcomingShows(pool, {
      limit: query.limit,
      ...(query.cursor ? { after: query.cursor } : {}),
    });
    res.set('Cache-Control', PUBLIC_CACHE).json({
      items: page.items.map((show) => presentShow(show, page.now)),
      nextCursor: page.next ? encodeCursor(page.next) : null,
    });
  });

  app.get('/shows/:id', async (req, res) => {
    const id = validate(showIdSchema, req.params.id, 'path');
    const found = await findShow(pool, id);
    if (!found) throw new NotFoundError(`No show ${id}`);
    res.set('Cache-Control', PUBLIC_CACHE).json(presentShow(found.show, found.now));
  });

  app.post('/shows/:id/checkout', async (req, res) => {
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
  });

  app.get('/holds/:id', async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'tickets:buy', 'tickets:read');
    const id = validate(holdIdSchema, req.params.id, 'path');
    const hold = await findBuyerHold(pool, holderOf(principal), id);
    if (!hold) throw new NotFoundError(`No order ${id}`);
    res.set('Cache-Control', 'private, no-store').json(presentHold(hold));
  });

  return app;
});
