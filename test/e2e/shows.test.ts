import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureOperatorKey } from '../../infra/local/bootstrap.ts';
import { type LocalCloud, startLocalCloud } from '../../infra/local/cloud.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeTestVideo } from '../support/videos.ts';

const exec = promisify(execFile);

/**
 * A ticketed show as its people live it, through the local cloud: a creator publishes a video and
 * puts a two-seat show on sale; a viewer pays through Stripe Checkout (the local Stripe server,
 * which signs its webhook to the gateway) and lands on its success page; the viewer's ticket opens a
 * tokenised HLS URL that a real player decodes; a refund revokes the ticket, playback is refused,
 * and the URL already issued stops at the edge within 60 s.
 */
describe('Shows and tickets end to end (local cloud, as its clients)', () => {
  let dataDir: string;
  let videosDir: string;
  let db: TestDatabase;
  let cloud: LocalCloud;
  let creator: string;
  let viewer: string;

  const call = (key: string | undefined, method: string, path: string, body?: unknown) =>
    fetch(`${cloud.gatewayUrl}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        'content-type': 'application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** The first media segment of the first variant of a master playlist, under the same token. */
  async function firstSegmentOf(masterUrl: string): Promise<string> {
    const firstUri = (playlist: string) =>
      playlist.split('\n').find((line) => line.trim() !== '' && !line.startsWith('#')) ?? '';
    const variant = new URL(firstUri(await (await fetch(masterUrl)).text()), masterUrl);
    return new URL(firstUri(await (await fetch(variant)).text()), variant).href;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fc-shows-'));
    videosDir = await mkdtemp(join(tmpdir(), 'fc-shows-src-'));
    db = await createTestDatabase(inject('mysqlUrl'), 'shows_e2e');
    cloud = await startLocalCloud({
      dataDir,
      mysqlUrl: db.url,
      logLevel: 'warn',
      authorizerCacheMs: 0,
      schedules: { autoStart: false },
      transcoders: { count: 1, env: { TRANSCODE_PRESET: 'ultrafast' } },
    });
    const operator = (await readFile((await ensureOperatorKey(cloud.mysqlUrl, dataDir)).file, 'utf8')).trim();
    const org = async (kind: string, scopes: string[]) => {
      const response = await call(operator, 'POST', '/orgs', { name: `${kind} org`, kind, scopes });
      expect(response.status).toBe(201);
      return ((await response.json()) as { apiKey: { key: string } }).apiKey.key;
    };
    creator = await org('creator', ['videos:write', 'shows:write']);
    viewer = await org('viewer', ['tickets:buy', 'tickets:read']);
  }, 120_000);

  afterAll(async () => {
    await cloud?.stop();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(videosDir, { recursive: true, force: true });
  });

  it('sells a seat through Stripe, plays the show with the ticket, and refuses it after a refund', async () => {
    // Prepare: the creator's video, published
    const source = await makeTestVideo(videosDir, {
      width: 640,
      height: 360,
      seconds: 4,
      audio: true,
      codec: 'mpeg4',
    });
    const bytes = await readFile(source);
    const created = await call(creator, 'POST', '/videos', {
      title: 'Premiere',
      contentType: 'video/mp4',
      sizeBytes: bytes.length,
    });
    const video = (await created.json()) as {
      id: string;
      upload: { url: string; headers: Record<string, string> };
    };
    await fetch(video.upload.url, { method: 'PUT', headers: video.upload.headers, body: bytes });
    await until(
      async () => (await (await call(creator, 'GET', `/videos/${video.id}`)).json()) as { status: string },
      (v) => v.status === 'ready' || v.status === 'failed',
    );
    const showResponse = await call(creator, 'POST', '/shows', {
      title: 'Premiere night',
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      capacity: 2,
      price: { amount: 1500, currency: 'eur' },
      videoId: video.id,
    });
    expect(showResponse.status).toBe(201);
    const show = (await showResponse.json()) as { id: string };

    // Act: the viewer buys a seat and pays
    const checkout = await call(viewer, 'POST', `/shows/${show.id}/checkout`, { quantity: 1 });
    expect(checkout.status).toBe(201);
    const order = (await checkout.json()) as { sessionId: string; checkoutUrl: string };
    // As a browser does: the Pay page, then wherever it sends the buyer.
    const paid = await fetch(order.checkoutUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'choice=pay',
      redirect: 'manual',
    });
    expect(paid.status).toBe(303);
    const successUrl = paid.headers.get('location') ?? '';
    expect(successUrl).toBe(`${cloud.stripe.url}/checkout/success?session=${order.sessionId}`);
    const successPage = await fetch(successUrl);
    expect(successPage.status).toBe(200);
    expect(await successPage.text()).toContain('Payment received');
    const tickets = await until(
      async () =>
        (await (await call(viewer, 'GET', '/tickets')).json()) as { items: { id: string; status: string }[] },
      (page) => page.items.length > 0,
    );
    const playback = await call(viewer, 'POST', `/shows/${show.id}/playback`);

    // Assess: one ticket, and the show plays through the tokenised edge URL
    expect(tickets.items).toHaveLength(1);
    expect(tickets.items[0]?.status).toBe('valid');
    expect(playback.status).toBe(200);
    const { url } = (await playback.json()) as { url: string };
    const decoded = await exec('ffmpeg', ['-v', 'error', '-i', url, '-f', 'null', '-']);
    expect(decoded.stderr).toBe('');
    const segment = await firstSegmentOf(url);
    expect((await fetch(segment)).status).toBe(200);
    const publicShow = (await (await call(undefined, 'GET', `/shows/${show.id}`)).json()) as {
      seatsAvailable: number;
    };
    expect(publicShow.seatsAvailable).toBe(1);

    // Act: the payment is refunded at Stripe
    const session = cloud.stripe.session(order.sessionId);
    const paymentIntent = String(session?.payment_intent);
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
    const revoked = await until(
      async () => (await (await call(viewer, 'GET', '/tickets')).json()) as { items: { status: string }[] },
      (page) => page.items[0]?.status === 'revoked',
    );

    // The URL the viewer already holds stops at the edge within 60 s: edge-revocations pushes the
    // revoked ticket to the edge (the local scheduler ticks it every 2 s; here the test ticks it).
    const revokedAt = Date.now();
    const segmentRefused = await until(
      async () => {
        await cloud.scheduler.runNow('edge-revocations');
        return (await fetch(segment)).status;
      },
      (status) => status !== 200 || Date.now() - revokedAt > 60_000,
    );

    // Assess: revoked, playback refused, and the next segment of the issued URL refused
    expect(revoked.items[0]?.status).toBe('revoked');
    const refused = await call(viewer, 'POST', `/shows/${show.id}/playback`);
    expect(refused.status).toBe(403);
    expect(segmentRefused).toBe(403);
    expect(Date.now() - revokedAt).toBeLessThan(60_000);
  }, 240_000);
});
