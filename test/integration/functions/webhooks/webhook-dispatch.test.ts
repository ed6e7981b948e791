import { randomBytes, randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodePublishedEvent, type PublishedEvent, streamKeyOf } from '#events/domain/stream-message.ts';
import { registerEndpoint } from '#functions/webhooks/endpoints.ts';
import { createLocalKeyWrapper } from '#shared/crypto/local-key-wrapper.ts';
import { newId } from '#shared/ids.ts';
import { insertShow } from '#shared/shows/show-repository.ts';
import { MySqlEventStream } from '#shared/stream/mysql-stream.ts';
import { insertVideo } from '#shared/video/video-repository.ts';
import { audienceResolver } from '#shared/webhooks/audience.ts';
import { type DelivererOptions, WebhookDeliverer } from '#shared/webhooks/deliverer.ts';
import {
  failAbandonedDeliveries,
  findDelivery,
  resumeEndpointDeliveries,
} from '#shared/webhooks/delivery-repository.ts';
import { expandMessages, WebhookDispatcher } from '#shared/webhooks/dispatcher.ts';
import {
  findOrgEndpoint,
  insertEndpoint,
  rotateEndpointSecret,
  updateOrgEndpoint,
} from '#shared/webhooks/endpoint-repository.ts';
import { SecretBox } from '#shared/webhooks/secret-box.ts';
import { WebhookUrlRefusedError } from '#shared/webhooks/target-policy.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { createLicense, insertRegisteredDesign } from '#test/support/licenses.ts';
import { startWebhookReceiver, type WebhookReceiver, waitFor } from '#test/support/webhook-receiver.ts';
import { verifyForgecastSignature } from '../../../../examples/webhook-consumer/verify.ts';

const DESIGN_TYPES = ['design.registered', 'design.rejected'];

/**
 * The webhook dispatcher against MariaDB, the MariaDB event stream (consumer group `webhooks`)
 * and real HTTP receivers on loopback: fan-out, signatures, retries and disabling, ordering per
 * aggregate, the address rules at delivery, bounded answers.
 */
describe('Function logic: webhook dispatch', () => {
  let db: TestDatabase;
  const secrets = new SecretBox(createLocalKeyWrapper(randomBytes(32)));
  const receivers: WebhookReceiver[] = [];
  let sequence = 0;

  const options = (overrides: Partial<DelivererOptions> = {}): DelivererOptions => ({
    sender: {
      allowPrivateTargets: true,
      timeoutMs: 3000,
      maxResponseBytes: 4096,
      userAgent: 'forgecast-test',
    },
    retry: { baseDelayMs: 200, maxDelayMs: 5000, retryForMs: 60_000 },
    disableAfterMs: 60_000,
    concurrency: 8,
    endpointConcurrency: 4,
    ...overrides,
  });
  const deliverer = (overrides: Partial<DelivererOptions> = {}) =>
    new WebhookDeliverer(db.pool, secrets, options(overrides));
  const newStream = () => new MySqlEventStream({ pool: db.pool, name: `wh-${newId()}`, partitions: 4 });
  const dispatcherFor = (stream: MySqlEventStream, sender: WebhookDeliverer) =>
    new WebhookDispatcher(db.pool, stream, sender, { readLimit: 200, sendLimit: 200 });

  async function receiver(): Promise<WebhookReceiver> {
    const started = await startWebhookReceiver();
    receivers.push(started);
    return started;
  }

  async function endpoint(orgId: string, url: string, eventTypes = DESIGN_TYPES) {
    const secret = await secrets.create();
    const id = newId();
    await insertEndpoint(db.pool, { id, orgId, url, description: null, eventTypes, secret: secret.stored });
    return { id, secret: secret.text };
  }

  function designEvent(orgId: string, designId: string, type = 'design.registered'): PublishedEvent {
    sequence += 1;
    return {
      id: randomUUID(),
      type: type as PublishedEvent['type'],
      version: 1,
      aggregateType: 'design',
      aggregateId: designId,
      occurredAt: new Date().toISOString(),
      sequence: String(sequence),
      payload:
        type === 'design.registered'
          ? { designId, orgId, sha256: 'ab'.repeat(32), txHash: null, blockNumber: null }
          : { designId, orgId, code: 'not_manifold', reason: 'The mesh is not closed.' },
    };
  }

  async function publish(stream: MySqlEventStream, events: readonly PublishedEvent[]): Promise<void> {
    const outcomes = await stream.put(
      events.map((event) => ({ key: streamKeyOf(event), value: encodePublishedEvent(event) })),
    );
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
  }

  const attemptsOf = async (deliveryId: string) =>
    (
      await db.pool.query<RowDataPacket[]>(
        'SELECT trigger_kind, status_code, error, attempted_at FROM webhook_attempts WHERE delivery_id = ? ORDER BY id',
        [deliveryId],
      )
    )[0];
  const deliveryOf = async (endpointId: string, eventId: string) =>
    (
      await db.pool.query<RowDataPacket[]>(
        'SELECT id, status, attempts FROM webhook_deliveries WHERE endpoint_id = ? AND event_id = ?',
        [endpointId, eventId],
      )
    )[0][0];

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'webhook_dispatch');
  });
  afterEach(async () => {
    // Each test's deliveries stay its own: a later test's sender would otherwise send them.
    await db.pool.query('DELETE FROM webhook_endpoints');
    await Promise.all(receivers.splice(0).map((started) => started.close()));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('fans an event out to the subscribed, enabled endpoints of the organisations it concerns, signed', async () => {
    // Prepare
    const [orgA, orgB] = [await createOrgWithKey(db.pool, []), await createOrgWithKey(db.pool, [])];
    const [hooksA, videosOnlyA, disabledA, hooksB] = [
      await receiver(),
      await receiver(),
      await receiver(),
      await receiver(),
    ];
    const subscribed = await endpoint(orgA.orgId, hooksA.url);
    await endpoint(orgA.orgId, videosOnlyA.url, ['video.ready']);
    const off = await endpoint(orgA.orgId, disabledA.url);
    await updateOrgEndpoint(db.pool, orgA.orgId, off.id, { enabled: false });
    await endpoint(orgB.orgId, hooksB.url);
    const stream = newStream();
    const dispatcher = dispatcherFor(stream, deliverer());
    const eventsA = [designEvent(orgA.orgId, 'd-a1'), designEvent(orgA.orgId, 'd-a2', 'design.rejected')];
    const eventB = designEvent(orgB.orgId, 'd-b1');

    // Act
    await publish(stream, [...eventsA, eventB]);
    await waitFor('both organisations’ deliveries', async () => {
      await dispatcher.pass();
      return hooksA.received.length === 2 && hooksB.received.length === 1;
    });
    await dispatcher.close();

    // Assess: who got what.
    expect(hooksA.received.map((hook) => hook.event.id).sort()).toEqual(
      eventsA.map((event) => event.id).sort(),
    );
    expect(hooksB.received.map((hook) => hook.event.id)).toEqual([eventB.id]);
    expect(videosOnlyA.received).toHaveLength(0);
    expect(disabledA.received).toHaveLength(0);

    // Assess: the body is the published event's exact JSON, signed over those bytes.
    const hook = hooksA.received.find((received) => received.event.id === eventsA[0]?.id);
    expect(hook?.rawBody.equals(encodePublishedEvent(eventsA[0] as PublishedEvent))).toBe(true);
    expect(
      verifyForgecastSignature({
        rawBody: hook?.rawBody ?? '',
        header: hook?.headers['forgecast-signature'] as string,
        secrets: subscribed.secret,
      }),
    ).toMatchObject({ ok: true });
    expect(hook?.headers).toMatchObject({
      'forgecast-event-id': eventsA[0]?.id,
      'forgecast-event-type': 'design.registered',
      'content-type': 'application/json',
      'user-agent': 'forgecast-test',
    });
    const delivery = await deliveryOf(subscribed.id, eventsA[0]?.id ?? '');
    expect(hook?.headers['forgecast-delivery-id']).toBe(delivery?.id);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('finds the organisations an event concerns through the owning repositories where the payload names none', async () => {
    // Prepare
    const designer = (await createOrgWithKey(db.pool, [], { kind: 'designer' })).orgId;
    const licensee = (await createOrgWithKey(db.pool, [], { kind: 'licensee' })).orgId;
    const creator = (await createOrgWithKey(db.pool, [], { kind: 'creator' })).orgId;
    const buyer = (await createOrgWithKey(db.pool, [], { kind: 'integrator' })).orgId;
    const designId = await insertRegisteredDesign(db.pool, designer);
    const licenseId = await createLicense(db.pool, {
      issuerOrgId: designer,
      holderOrgId: licensee,
      designId,
      printsTotal: 3,
    });
    const videoId = newId();
    await insertVideo(db.pool, {
      id: videoId,
      orgId: creator,
      title: 'v',
      contentType: 'video/mp4',
      declaredBytes: 1,
    });
    const showId = newId();
    await insertShow(db.pool, {
      id: showId,
      orgId: creator,
      title: 's',
      description: null,
      startsAt: new Date(Date.now() + 86_400_000),
      capacity: 10,
      priceAmount: 1000,
      currency: 'eur',
      videoId,
    });
    const audience = audienceResolver(db.pool);
    const of = async (type: string, aggregateType: string, aggregateId: string, payload: unknown) =>
      [
        ...(await audience({
          id: randomUUID(),
          type: type as PublishedEvent['type'],
          version: 1,
          aggregateType,
          aggregateId,
          occurredAt: new Date().toISOString(),
          sequence: '1',
          payload,
        })),
      ].sort();
    const order = {
      holdId: 'h-1',
      showId,
      holderUserId: null,
      ticketIds: [],
      quantity: 1,
      paymentIntentId: null,
    };

    // Act / Assess
    expect(
      await of('license.revoked', 'license', licenseId, { licenseId, tokenId: null, reason: 'r' }),
    ).toEqual([designer, licensee].sort());
    expect(
      await of('print.authorized', 'license', licenseId, {
        jobId: 'j',
        licenseId,
        designId,
        printerId: 'p',
        orgId: licensee,
        grantExpiresAt: new Date().toISOString(),
      }),
    ).toEqual([designer, licensee].sort());
    expect(await of('tickets.issued', 'order', 'h-1', { ...order, holderOrgId: buyer })).toEqual(
      [buyer, creator].sort(),
    );
    expect(await of('tickets.issued', 'order', 'h-1', { ...order, holderOrgId: null })).toEqual([creator]);
    expect(
      await of('video.ready', 'video', videoId, {
        videoId,
        attempt: 1,
        mediaPrefix: 'p/',
        durationSeconds: 1,
        renditions: [],
      }),
    ).toEqual([creator]);
    expect(
      await of('design.rejected', 'design', designId, { designId, orgId: designer, code: 'c', reason: 'r' }),
    ).toEqual([designer]);
    expect(
      await of('live.started', 'live_stream', 'gone', {
        streamId: newId(),
        assetId: videoId,
        showId: null,
        session: 1,
        protocol: 'rtmp',
      }),
    ).toEqual([]);
  });

  it('adds no second delivery when the same stream messages are read again', async () => {
    // Prepare
    const org = await createOrgWithKey(db.pool, []);
    const hooks = await receiver();
    await endpoint(org.orgId, hooks.url);
    const event = designEvent(org.orgId, 'd-1');
    const message = {
      partition: '0',
      offset: '1',
      key: streamKeyOf(event),
      value: encodePublishedEvent(event),
      timestamp: new Date(),
    };

    // Act
    const first = await expandMessages(db.pool, [message]);
    const again = await expandMessages(db.pool, [
      message,
      { ...message, value: Buffer.from('{"not":"an event"}') },
    ]);

    // Assess
    expect(first).toMatchObject({ events: 1, deliveries: 1, malformed: 0 });
    expect(again).toMatchObject({ events: 1, deliveries: 0, malformed: 1 });
  });

  it('sends an endpoint only events that occurred after it was registered', async () => {
    // Prepare: an event from before the endpoint existed (a stream drained late, or replayed).
    const org = await createOrgWithKey(db.pool, []);
    const hooks = await receiver();
    const old = {
      ...designEvent(org.orgId, 'd-old'),
      occurredAt: new Date(Date.now() - 60_000).toISOString(),
    };
    const registered = await endpoint(org.orgId, hooks.url);
    const recent = designEvent(org.orgId, 'd-recent');
    const message = (event: PublishedEvent, offset: number) => ({
      partition: '0',
      offset: String(offset),
      key: streamKeyOf(event),
      value: encodePublishedEvent(event),
      timestamp: new Date(),
    });

    // Act
    const expanded = await expandMessages(db.pool, [message(old, 1), message(recent, 2)]);

    // Assess
    expect(expanded).toMatchObject({ events: 2, deliveries: 1 });
    expect(await deliveryOf(registered.id, old.id)).toBeUndefined();
    expect(await deliveryOf(registered.id, recent.id)).toMatchObject({ status: 'pending' });
  });

  it('sends each delivery once when two senders run at the same time (the claim lease)', async () => {
    // Prepare
    const org = await createOrgWithKey(db.pool, []);
    const hooks = await receiver();
    await endpoint(org.orgId, hooks.url);
    await endpoint(org.orgId, `${hooks.url}/second`);
    const events = Array.from({ length: 100 }, (_, index) => designEvent(org.orgId, `d-lease-${index}`));
    const messages = events.map((event, index) => ({
      partition: '0',
      offset: String(index),
      key: streamKeyOf(event),
      value: encodePublishedEvent(event),
      timestamp: new Date(),
    }));
    await expandMessages(db.pool, messages);
    const [one, two] = [deliverer({ concurrency: 4 }), deliverer({ concurrency: 4 })];

    // Act
    const [first, second] = await Promise.all([one.sendDue(500), two.sendDue(500)]);

    // Assess
    expect(first.claimed + second.claimed).toBe(200);
    expect(hooks.received).toHaveLength(200);
    const keys = hooks.received.map((hook) => `${String(hook.headers['forgecast-delivery-id'])}`);
    expect(new Set(keys).size).toBe(200);
    const [rows] = await db.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.status = 'delivered'",
    );
    expect(Number(rows[0]?.n)).toBe(200);
  });

  it('gives an endpoint that hangs a few send slots, not all of them', async () => {
    // Prepare
    const org = await createOrgWithKey(db.pool, []);
    const [hanging, healthy] = [await receiver(), await receiver()];
    let open = 0;
    let mostOpen = 0;
    hanging.respond = (_request, response) => {
      open += 1;
      mostOpen = Math.max(mostOpen, open);
      response.on('close', () => {
        open -= 1;
      });
    };
    await endpoint(org.orgId, hanging.url);
    await endpoint(org.orgId, healthy.url);
    const events = Array.from({ length: 6 }, (_, index) => designEvent(org.orgId, `d-hang-${index}`));
    await expandMessages(
      db.pool,
      events.map((event, index) => ({
        partition: '0',
        offset: String(index),
        key: streamKeyOf(event),
        value: encodePublishedEvent(event),
        timestamp: new Date(),
      })),
    );
    const sender = deliverer({
      concurrency: 6,
      endpointConcurrency: 2,
      sender: { ...options().sender, timeoutMs: 1000 },
    });

    // Act
    const sent = await sender.sendDue(100);

    // Assess
    expect(sent).toMatchObject({ claimed: 12, delivered: 6, retrying: 6 });
    expect(healthy.received).toHaveLength(6);
    expect(hanging.received).toHaveLength(6);
    expect(mostOpen).toBeLessThanOrEqual(2);
  });

  it('retries a failing endpoint with growing backoff, disables it with a notice, and redelivers on request', async () => {
    // Prepare
    const org = await createOrgWithKey(db.pool, []);
    const hooks = await receiver();
    hooks.respond = (_request, response) => response.writeHead(500).end('down for maintenance');
    const registered = await endpoint(org.orgId, hooks.url);
    const stream = newStream();
    const sender = deliverer({ disableAfterMs: 4000 });
    const dispatcher = dispatcherFor(stream, sender);
    const event = designEvent(org.orgId, 'd-retry');

    // Act
    await publish(stream, [event]);
    const notice = await waitFor('the endpoint to be disabled', async () => {
      await dispatcher.pass();
      const current = await findOrgEndpoint(db.pool, org.orgId, registered.id);
      return current?.enabled === false ? current : undefined;
    });
    await dispatcher.close();

    // Assess: every attempt logged, each wait at least the lower bound of its backoff (200 ms × 2^(n−1), half jittered).
    const delivery = await deliveryOf(registered.id, event.id);
    const attempts = await attemptsOf(String(delivery?.id));
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(attempts.every((attempt) => attempt.status_code === 500 && attempt.error === 'HTTP 500')).toBe(
      true,
    );
    const times = attempts.map((attempt) => (attempt.attempted_at as Date).getTime());
    const gaps = times.slice(1).map((time, index) => time - (times[index] ?? time));
    gaps.slice(0, 2).forEach((gap, index) => {
      expect(gap).toBeGreaterThanOrEqual(100 * 2 ** index - 5);
    });
    expect(notice.disabledReason).toContain('HTTP 500');
    expect(notice.disabledAt).toBeInstanceOf(Date);
    expect(delivery?.status).toBe('pending');
    expect((await findDelivery(db.pool, String(delivery?.id)))?.nextAttemptAt).toBeNull();

    // Assess: a disabled endpoint gets nothing more from the schedule.
    const before = hooks.received.length;
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await sender.sendDue(100);
    expect(hooks.received.length).toBe(before);

    // Act: the endpoint is fixed; the integrator redelivers, then enables it again.
    hooks.respond = (_request, response) => response.writeHead(200).end('ok');
    const redelivered = await sender.redeliver(org.orgId, String(delivery?.id));
    await updateOrgEndpoint(db.pool, org.orgId, registered.id, { enabled: true });

    // Assess
    expect(redelivered).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect(await findDelivery(db.pool, String(delivery?.id))).toMatchObject({ status: 'delivered' });
    expect((await attemptsOf(String(delivery?.id))).at(-1)).toMatchObject({
      trigger_kind: 'manual',
      status_code: 200,
    });
    expect(await findOrgEndpoint(db.pool, org.orgId, registered.id)).toMatchObject({
      enabled: true,
      disabledReason: null,
      failingSince: null,
    });
    await expect(
      sender.redeliver((await createOrgWithKey(db.pool, [])).orgId, String(delivery?.id)),
    ).rejects.toThrow(/No webhook delivery/);
  });

  it('fails a delivery for good once its retry window has passed', async () => {
    // Prepare
    const org = await createOrgWithKey(db.pool, []);
    const hooks = await receiver();
    hooks.respond = (_request, response) => response.writeHead(503).end();
    const registered = await endpoint(org.orgId, hooks.url);
    const stream = newStream();
    const dispatcher = dispatcherFor(
      stream,
      deliverer({ retry: { baseDelayMs: 100, maxDelayMs: 400, retryForMs: 1000 } }),
    );
    const event = designEvent(org.orgId, 'd-gives-up');

    // Act
    await publish(stream, [event]);
    const failed = await waitFor('the delivery to fail', async () => {
      await dispatcher.pass();
      const delivery = await deliveryOf(registered.id, event.id);
      return delivery?.status === 'failed' ? delivery : undefined;
    });
    await dispatcher.close();

    // Assess
    expect(Number(failed.attempts)).toBeGreaterThanOrEqual(2);
    expect(await findOrgEndpoint(db.pool, org.orgId, registered.id)).toMatchObject({ enabled: true });
  });

  it("fails a disabled endpoint's deliveries older than the retry window, and lets the younger ones move up", async () => {
    // Prepare: two events of one aggregate for an endpoint that is then turned off; the first is old.
    const org = await createOrgWithKey(db.pool, []);
    const hooks = await receiver();
    const registered = await endpoint(org.orgId, hooks.url);
    const [old, young] = [
      designEvent(org.orgId, 'd-off'),
      designEvent(org.orgId, 'd-off', 'design.rejected'),
    ];
    await expandMessages(
      db.pool,
      [old, young].map((event, index) => ({
        partition: '0',
        offset: String(index),
        key: streamKeyOf(event),
        value: encodePublishedEvent(event),
        timestamp: new Date(),
      })),
    );
    await updateOrgEndpoint(db.pool, org.orgId, registered.id, { enabled: false });
    await db.pool.query(
      'UPDATE webhook_deliveries SET created_at = NOW(3) - INTERVAL 2 HOUR WHERE endpoint_id = ? AND event_id = ?',
      [registered.id, old.id],
    );

    // Act
    const failed = await failAbandonedDeliveries(db.pool, 60 * 60 * 1000, 100);

    // Assess
    expect(failed).toBe(1);
    const oldDelivery = await deliveryOf(registered.id, old.id);
    expect(await findDelivery(db.pool, String(oldDelivery?.id))).toMatchObject({
      status: 'failed',
      lastError: 'The endpoint was disabled',
    });
    const youngDelivery = await deliveryOf(registered.id, young.id);
    expect((await findDelivery(db.pool, String(youngDelivery?.id)))?.nextAttemptAt).toBeNull();

    // Act: the endpoint is on again.
    await updateOrgEndpoint(db.pool, org.orgId, registered.id, { enabled: true });
    await resumeEndpointDeliveries(db.pool, registered.id);

    // Assess: the younger delivery is the head now, due at once.
    expect((await findDelivery(db.pool, String(youngDelivery?.id)))?.nextAttemptAt).toBeInstanceOf(Date);
  });

  it('holds back later events of an aggregate while an earlier one is retrying; other aggregates go on', async () => {
    // Prepare
    const org = await createOrgWithKey(db.pool, []);
    const hooks = await receiver();
    const registered = await endpoint(org.orgId, hooks.url);
    const first = designEvent(org.orgId, 'd-ordered');
    const second = designEvent(org.orgId, 'd-ordered', 'design.rejected');
    const other = designEvent(org.orgId, 'd-other');
    let failFirst = true;
    const accepted: string[] = [];
    hooks.respond = (request, response) => {
      if (failFirst && request.event.id === first.id) {
        response.writeHead(503).end();
        return;
      }
      accepted.push(request.event.id);
      response.writeHead(204).end();
    };
    const stream = newStream();
    const dispatcher = dispatcherFor(stream, deliverer());

    // Act
    await publish(stream, [first, second, other]);
    await waitFor('the other aggregate’s event and a retry of the first', async () => {
      await dispatcher.pass();
      const retried = hooks.received.filter((request) => request.event.id === first.id).length >= 2;
      return retried && accepted.includes(other.id);
    });

    // Assess: the second event waits behind the first.
    expect(hooks.received.some((request) => request.event.id === second.id)).toBe(false);
    expect(await deliveryOf(registered.id, second.id)).toMatchObject({ status: 'pending', attempts: 0 });

    // Act: the endpoint accepts the first event again.
    failFirst = false;
    await waitFor('the held-back event', async () => {
      await dispatcher.pass();
      return accepted.includes(second.id);
    });
    await dispatcher.close();

    // Assess
    expect(accepted.indexOf(first.id)).toBeLessThan(accepted.indexOf(second.id));
  });

  it('refuses a name resolving to 127.0.0.1 in production mode, at registration and at delivery; allows it locally', async () => {
    // Prepare
    const org = await createOrgWithKey(db.pool, []);
    const hooks = await receiver();
    const production = options({ sender: { ...options().sender, allowPrivateTargets: false } }).sender;

    // Act: registration.
    const registration = registerEndpoint({ pool: db.pool, secrets, policy: production }, org.orgId, {
      url: `https://localhost:${hooks.port}/hooks`,
      eventTypes: DESIGN_TYPES,
    });

    // Assess
    await expect(registration).rejects.toBeInstanceOf(WebhookUrlRefusedError);
    await expect(registration).rejects.toMatchObject({ reason: 'loopback', status: 422 });

    // Prepare: an endpoint that passed registration while its name was public now resolves to loopback.
    const resolvesToLoopback = async () => [{ address: '127.0.0.1', family: 4 as const }];
    const rebound = await endpoint(org.orgId, `https://hooks.example.com:${hooks.port}/hooks`);
    const stream = newStream();
    const productionSender = deliverer({ sender: { ...production, resolve: resolvesToLoopback } });
    const event = designEvent(org.orgId, 'd-ssrf');
    await publish(stream, [event]);
    const dispatcher = dispatcherFor(stream, productionSender);

    // Act
    const delivery = await waitFor('the refused attempt', async () => {
      await dispatcher.pass();
      const found = await deliveryOf(rebound.id, event.id);
      return found && Number(found.attempts) > 0 ? found : undefined;
    });
    await dispatcher.close();

    // Assess
    const [attempt] = await attemptsOf(String(delivery.id));
    expect(attempt?.error).toMatch(/^webhook_url_refused \(loopback\)/);
    expect(attempt?.status_code).toBeNull();
    expect(hooks.received).toHaveLength(0);

    // Act: locally the same name is allowed, and the connection goes to the address that was checked
    // (the name itself resolves nowhere: a second DNS lookup would fail).
    await db.pool.query("UPDATE webhook_endpoints SET url = REPLACE(url, 'https:', 'http:') WHERE id = ?", [
      rebound.id,
    ]);
    const localSender = deliverer({ sender: { ...options().sender, resolve: resolvesToLoopback } });
    const local = await localSender.redeliver(org.orgId, String(delivery.id));
    const registeredLocally = await registerEndpoint(
      { pool: db.pool, secrets, policy: options().sender },
      org.orgId,
      { url: `http://localhost:${hooks.port}/hooks`, eventTypes: DESIGN_TYPES },
    );

    // Assess
    expect(local).toMatchObject({ ok: true, statusCode: 204 });
    expect(hooks.received[0]?.headers.host).toBe(`hooks.example.com:${hooks.port}`);
    expect(registeredLocally.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  });

  it('reads at most a few KB of an answer, gives up on a silent endpoint, and follows no redirect', async () => {
    // Prepare
    const org = await createOrgWithKey(db.pool, []);
    const streaming = await receiver();
    let written = 0;
    let closed = false;
    streaming.respond = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 97);
      const pump = () => {
        while (!closed && written < 256 * 1024 * 1024) {
          written += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      response.on('close', () => {
        closed = true;
      });
      pump();
    };
    const silent = await receiver();
    silent.respond = () => undefined;
    const target = await receiver();
    const redirecting = await receiver();
    redirecting.respond = (_request, response) => response.writeHead(307, { location: target.url }).end();
    const sender = deliverer({ sender: { ...options().sender, timeoutMs: 1500 } });
    const [large, quiet, moved] = [
      await endpoint(org.orgId, streaming.url),
      await endpoint(org.orgId, silent.url),
      await endpoint(org.orgId, redirecting.url),
    ];

    // Act
    const [largeOutcome, quietOutcome, movedOutcome] = await Promise.all([
      sender.sendTest(org.orgId, large.id),
      sender.sendTest(org.orgId, quiet.id),
      sender.sendTest(org.orgId, moved.id),
    ]);
    await waitFor('the streaming answer to be cut off', () => closed);

    // Assess
    expect(largeOutcome).toMatchObject({ ok: true, statusCode: 200 });
    expect(written).toBeLessThan(256 * 1024 * 1024);
    expect(quietOutcome).toMatchObject({ ok: false, statusCode: null, error: 'No answer within 1500 ms' });
    expect(quietOutcome.latencyMs).toBeLessThan(10_000);
    expect(movedOutcome).toMatchObject({ ok: false, statusCode: 307 });
    expect(movedOutcome.error).toContain('redirects are not followed');
    expect(target.received).toHaveLength(0);
  });

  it('sends a test event signed with both secrets while a rotation overlaps, then with the new one only', async () => {
    // Prepare
    const org = await createOrgWithKey(db.pool, []);
    const hooks = await receiver();
    const registered = await endpoint(org.orgId, hooks.url);
    const sender = deliverer();
    const verify = (index: number, secret: string) =>
      verifyForgecastSignature({
        rawBody: hooks.received[index]?.rawBody ?? '',
        header: hooks.received[index]?.headers['forgecast-signature'] as string,
        secrets: secret,
      }).ok;

    // Act
    const before = await sender.sendTest(org.orgId, registered.id);
    const rotated = await secrets.create();
    await rotateEndpointSecret(db.pool, org.orgId, registered.id, rotated.stored, 5000);
    const during = await sender.sendTest(org.orgId, registered.id);
    await new Promise((resolve) => setTimeout(resolve, 5100));
    const after = await sender.sendTest(org.orgId, registered.id);

    // Assess
    expect([before.ok, during.ok, after.ok]).toEqual([true, true, true]);
    expect(hooks.received.map((hook) => hook.event.type)).toEqual([
      'webhook.test',
      'webhook.test',
      'webhook.test',
    ]);
    expect(hooks.received[0]?.event.payload).toMatchObject({ endpointId: registered.id });
    expect([verify(0, registered.secret), verify(0, rotated.text)]).toEqual([true, false]);
    expect(String(hooks.received[1]?.headers['forgecast-signature']).match(/v1=/g)).toHaveLength(2);
    expect([verify(1, registered.secret), verify(1, rotated.text)]).toEqual([true, true]);
    expect([verify(2, registered.secret), verify(2, rotated.text)]).toEqual([false, true]);
    expect(await findDelivery(db.pool, during.deliveryId)).toMatchObject({
      eventType: 'webhook.test',
      status: 'delivered',
      attempts: 1,
      lastStatusCode: 204,
    });
  });
});
