import { randomBytes, randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodePublishedEvent, type PublishedEvent, streamKeyOf } from '#events/domain/stream-message.ts';
import { scheduleTick } from '#events/schedule-tick.ts';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { webhookDispatchManifest } from '#functions/webhook-dispatch/manifest.ts';
import { webhooksManifest } from '#functions/webhooks/manifest.ts';
import { MySqlEventStream } from '#shared/stream/mysql-stream.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { apiClient } from '#test/support/live.ts';
import { startWebhookReceiver, type WebhookReceiver } from '#test/support/webhook-receiver.ts';
import { verifyForgecastSignature } from '../../../../examples/webhook-consumer/verify.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';
import { routesOf } from '../../../../infra/local/gateway/routes.ts';

interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  previousSecretExpiresAt: string | null;
  secret?: string;
}

interface Outcome {
  deliveryId: string;
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/**
 * The webhooks function as built for Fn, behind the real gateway and authorizer, called with API
 * keys: once as the local cloud runs it (private targets allowed, so a loopback receiver works)
 * and once in production mode.
 */
describe('Function: webhooks', () => {
  let db: TestDatabase;
  const runners: FnRunner[] = [];
  let local: RunningGateway;
  let production: RunningGateway;
  let receiver: WebhookReceiver;
  let owner: string;
  let ownerOrgId: string;
  let stranger: string;
  let unscoped: string;

  const send = (method: string, path: string, key: string, body?: unknown, gateway = local) =>
    apiClient(gateway.url)(key, method, path, body);

  async function startBehindGateway(env: Record<string, string>): Promise<RunningGateway> {
    const runner = new FnRunner([
      bundledFunction('webhooks', env, 15),
      bundledFunction(webhookDispatchManifest.name, env, 60),
      bundledFunction(AUTHORIZER_FUNCTION, { MYSQL_URL: db.url }),
    ]);
    runners.push(runner);
    return startGateway({
      runner,
      routes: routesOf(webhooksManifest),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
    });
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'webhooks_api');
    receiver = await startWebhookReceiver();
    const ownerOrg = await createOrgWithKey(db.pool, ['webhooks:manage']);
    owner = ownerOrg.key;
    ownerOrgId = ownerOrg.orgId;
    stranger = (await createOrgWithKey(db.pool, ['webhooks:manage'])).key;
    unscoped = (await createOrgWithKey(db.pool, ['designs:read'])).key;
    const env = {
      MYSQL_URL: db.url,
      KEY_WRAPPER: 'local',
      MASTER_KEY_BASE64: randomBytes(32).toString('base64'),
      WEBHOOK_TIMEOUT_MS: '3000',
    };
    local = await startBehindGateway({ ...env, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
    production = await startBehindGateway(env);
  });
  afterAll(async () => {
    await local?.close();
    await production?.close();
    await Promise.all(runners.map((runner) => runner.close()));
    await receiver?.close();
    await db?.drop();
  });

  it('lists the subscribable event types with their summaries', async () => {
    // Act
    const response = await send('GET', '/webhook-event-types', owner);

    // Assess
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: Array<{ type: string; summary: string }> };
    expect(items.map((item) => item.type)).toEqual(
      expect.arrayContaining([
        'design.registered',
        'license.minted',
        'tickets.issued',
        'video.ready',
        'live.started',
      ]),
    );
    expect(items.find((item) => item.type === 'license.revoked')?.summary).toMatch(/revoked/);
    expect(items.some((item) => item.type.startsWith('analytics.'))).toBe(false);
  });

  it('registers an endpoint, shows its secret once, keeps it wrapped, and sends a signed test event', async () => {
    // Act
    const created = await send('POST', '/webhook-endpoints', owner, {
      url: receiver.url,
      description: 'ERP',
      eventTypes: ['license.minted', 'license.revoked', 'license.minted'],
    });

    // Assess
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const endpoint = (await created.json()) as Endpoint;
    expect(endpoint).toMatchObject({
      url: receiver.url,
      description: 'ERP',
      eventTypes: ['license.minted', 'license.revoked'],
      enabled: true,
      disabledReason: null,
    });
    const secret = endpoint.secret ?? '';
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const listed = await (await send('GET', '/webhook-endpoints', owner)).text();
    expect(listed).toContain(endpoint.id);
    expect(listed).not.toContain(secret);
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT secret_wrapped, secret_key_ref FROM webhook_endpoints WHERE id = ?',
      [endpoint.id],
    );
    const stored = rows[0]?.secret_wrapped as Buffer;
    expect(stored.includes(Buffer.from(secret.slice('whsec_'.length), 'base64url'))).toBe(false);
    expect(stored.includes(Buffer.from(secret))).toBe(false);
    expect(rows[0]?.secret_key_ref).toMatch(/^local:/);

    // Act
    const tested = await send('POST', `/webhook-endpoints/${endpoint.id}/test`, owner);

    // Assess
    expect(tested.status).toBe(200);
    const outcome = (await tested.json()) as Outcome;
    expect(outcome).toMatchObject({ ok: true, statusCode: 204, error: null });
    const hook = receiver.received.at(-1);
    expect(hook?.event.type).toBe('webhook.test');
    expect(
      verifyForgecastSignature({
        rawBody: hook?.rawBody ?? '',
        header: hook?.headers['forgecast-signature'] as string,
        secrets: secret,
      }),
    ).toMatchObject({ ok: true });
    const deliveries = (await (
      await send('GET', `/webhook-endpoints/${endpoint.id}/deliveries`, owner)
    ).json()) as {
      items: Array<Record<string, unknown>>;
      nextCursor: string | null;
    };
    expect(deliveries.items[0]).toMatchObject({
      id: outcome.deliveryId,
      eventType: 'webhook.test',
      status: 'delivered',
      attempts: 1,
      responseCode: 204,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(deliveries.items[0]?.latencyMs).toEqual(expect.any(Number));
    expect(deliveries.nextCursor).toBeNull();
  });

  it('changes, disables and re-enables an endpoint; redelivers; rotates the secret with an overlap; deletes', async () => {
    // Prepare
    const endpoint = (await (
      await send('POST', '/webhook-endpoints', owner, { url: receiver.url, eventTypes: ['video.ready'] })
    ).json()) as Endpoint;

    // Act / Assess: change.
    const changed = await send('PATCH', `/webhook-endpoints/${endpoint.id}`, owner, {
      description: 'Video pipeline',
      eventTypes: ['video.ready', 'video.failed'],
    });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({
      description: 'Video pipeline',
      eventTypes: ['video.ready', 'video.failed'],
    });

    // Act / Assess: off, then on again (the notice goes).
    const off = (await (
      await send('PATCH', `/webhook-endpoints/${endpoint.id}`, owner, { enabled: false })
    ).json()) as Endpoint;
    expect(off).toMatchObject({ enabled: false, disabledReason: 'Disabled by your organisation' });
    expect(off.disabledAt).not.toBeNull();
    const on = (await (
      await send('PATCH', `/webhook-endpoints/${endpoint.id}`, owner, { enabled: true })
    ).json()) as Endpoint;
    expect(on).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });

    // Act / Assess: redeliver a logged delivery.
    const first = (await (
      await send('POST', `/webhook-endpoints/${endpoint.id}/test`, owner)
    ).json()) as Outcome;
    const again = await send('POST', `/webhook-deliveries/${first.deliveryId}/redeliver`, owner);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ deliveryId: first.deliveryId, ok: true, statusCode: 204 });
    expect(receiver.received.at(-1)?.headers['forgecast-delivery-id']).toBe(first.deliveryId);

    // Act / Assess: rotate; both secrets sign for 24 hours.
    const rotated = await send('POST', `/webhook-endpoints/${endpoint.id}/rotate-secret`, owner);
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    const { secret, previousSecretExpiresAt } = (await rotated.json()) as {
      secret: string;
      previousSecretExpiresAt: string;
    };
    expect(secret).toMatch(/^whsec_/);
    const overlapHours = (Date.parse(previousSecretExpiresAt) - Date.now()) / 3_600_000;
    expect(overlapHours).toBeGreaterThan(23.9);
    expect(overlapHours).toBeLessThanOrEqual(24);
    await send('POST', `/webhook-endpoints/${endpoint.id}/test`, owner);
    const signature = String(receiver.received.at(-1)?.headers['forgecast-signature']);
    expect(signature.match(/v1=/g)).toHaveLength(2);
    expect(
      verifyForgecastSignature({
        rawBody: receiver.received.at(-1)?.rawBody ?? '',
        header: signature,
        secrets: secret,
      }),
    ).toMatchObject({ ok: true });

    // Act / Assess: delete.
    expect((await send('DELETE', `/webhook-endpoints/${endpoint.id}`, owner)).status).toBe(204);
    expect((await send('GET', `/webhook-endpoints/${endpoint.id}`, owner)).status).toBe(404);
    expect((await send('POST', `/webhook-deliveries/${first.deliveryId}/redeliver`, owner)).status).toBe(404);
  });

  it('delivers an event put on the stream to an endpoint registered through the API, on a webhook-dispatch tick', async () => {
    // Prepare
    const endpoint = (await (
      await send('POST', '/webhook-endpoints', owner, {
        url: receiver.url,
        eventTypes: ['design.registered'],
      })
    ).json()) as Endpoint;
    const event: PublishedEvent = {
      id: randomUUID(),
      type: 'design.registered',
      version: 1,
      aggregateType: 'design',
      aggregateId: 'd-tick',
      occurredAt: new Date().toISOString(),
      sequence: '1',
      payload: {
        designId: 'd-tick',
        orgId: ownerOrgId,
        sha256: 'cd'.repeat(32),
        txHash: null,
        blockNumber: null,
      },
    };
    // The function's stream: STREAM_NAME and STREAM_PARTITIONS at their defaults.
    const stream = new MySqlEventStream({ pool: db.pool, name: 'domain-events', partitions: 4 });
    await stream.put([{ key: streamKeyOf(event), value: encodePublishedEvent(event) }]);
    const runner = runners[0] as FnRunner;

    // Act
    const outcome = await runner.call(webhookDispatchManifest.name, {
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify(scheduleTick(webhookDispatchManifest.name, 'dispatch'))),
    });

    // Assess
    expect(outcome.kind).toBe('ok');
    const hook = receiver.received.find((received) => received.event.id === event.id);
    expect(hook?.rawBody.equals(encodePublishedEvent(event))).toBe(true);
    expect(
      verifyForgecastSignature({
        rawBody: hook?.rawBody ?? '',
        header: hook?.headers['forgecast-signature'] as string,
        secrets: endpoint.secret ?? '',
      }),
    ).toMatchObject({ ok: true });
    const log = (await (await send('GET', `/webhook-endpoints/${endpoint.id}/deliveries`, owner)).json()) as {
      items: Array<{ eventId: string; status: string }>;
    };
    expect(log.items).toEqual([expect.objectContaining({ eventId: event.id, status: 'delivered' })]);
  });

  it("answers 404 for another organisation's endpoint and delivery, whatever the route", async () => {
    // Prepare
    const endpoint = (await (
      await send('POST', '/webhook-endpoints', owner, {
        url: receiver.url,
        eventTypes: ['design.registered'],
      })
    ).json()) as Endpoint;
    const delivery = (await (
      await send('POST', `/webhook-endpoints/${endpoint.id}/test`, owner)
    ).json()) as Outcome;
    const received = receiver.received.length;

    // Act
    const statuses = [
      (await send('GET', `/webhook-endpoints/${endpoint.id}`, stranger)).status,
      (await send('PATCH', `/webhook-endpoints/${endpoint.id}`, stranger, { enabled: false })).status,
      (await send('DELETE', `/webhook-endpoints/${endpoint.id}`, stranger)).status,
      (await send('POST', `/webhook-endpoints/${endpoint.id}/rotate-secret`, stranger)).status,
      (await send('GET', `/webhook-endpoints/${endpoint.id}/deliveries`, stranger)).status,
      (await send('POST', `/webhook-endpoints/${endpoint.id}/test`, stranger)).status,
      (await send('POST', `/webhook-deliveries/${delivery.deliveryId}/redeliver`, stranger)).status,
    ];
    const strangerList = (await (await send('GET', '/webhook-endpoints', stranger)).json()) as {
      items: Endpoint[];
    };

    // Assess
    expect(statuses).toEqual([404, 404, 404, 404, 404, 404, 404]);
    expect(strangerList.items.map((item) => item.id)).not.toContain(endpoint.id);
    expect(receiver.received.length).toBe(received);
    expect(await (await send('GET', `/webhook-endpoints/${endpoint.id}`, owner)).json()).toMatchObject({
      enabled: true,
    });
  });

  it('refuses a key without webhooks:manage, unknown event types and loopback or http targets in production', async () => {
    // Act
    const unscopedList = await send('GET', '/webhook-endpoints', unscoped);
    const unknownType = await send('POST', '/webhook-endpoints', owner, {
      url: receiver.url,
      eventTypes: ['nope.never'],
    });
    const loopback = await send(
      'POST',
      '/webhook-endpoints',
      owner,
      { url: `https://localhost:${receiver.port}/hooks`, eventTypes: ['design.registered'] },
      production,
    );
    const plainHttp = await send(
      'POST',
      '/webhook-endpoints',
      owner,
      { url: 'http://example.com/hooks', eventTypes: ['design.registered'] },
      production,
    );

    // Assess
    expect(unscopedList.status).toBe(403);
    expect(unknownType.status).toBe(400);
    expect(loopback.status).toBe(422);
    expect(await loopback.json()).toMatchObject({
      type: 'https://forgecast.dev/problems/webhook-url-refused',
      code: 'webhook_url_refused',
      reason: 'loopback',
    });
    expect(plainHttp.status).toBe(422);
    expect(await plainHttp.json()).toMatchObject({ code: 'webhook_url_refused', reason: 'https_required' });
  });
});
