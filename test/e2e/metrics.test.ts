import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LATENCY_BUCKETS_MS } from '#shared/metrics/buffer.ts';
import { MAX_PUSH_BODY_BYTES } from '#shared/metrics/push-wire.ts';
import { ensureOperatorKey } from '../../infra/local/bootstrap.ts';
import { type LocalCloud, startLocalCloud } from '../../infra/local/cloud.ts';
import { clientResponseOf, fnHttpHeaders } from '../../infra/local/fn/http-intent.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { binaryStlCube } from '../support/design-files.ts';
import { makeNonVideo, makeTestVideo } from '../support/videos.ts';

/** One sample from the exposition text; labels as the collector writes them (sorted by name). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const pairs = Object.keys(labels)
    .sort()
    .map((key) => `${key}="${labels[key]}"`);
  const prefix = pairs.length === 0 ? `${name} ` : `${name}{${pairs.join(',')}} `;
  const line = text.split('\n').find((candidate) => candidate.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

/**
 * Metrics through the local cloud as an operator sees them: calls through the gateway, then the
 * collector's Prometheus text. Every function process pushes its aggregates in the background
 * (METRICS_BACKEND=push, a 1 s flush), so the test waits for the counts to arrive.
 */
describe('Metrics end to end (local cloud, Prometheus text)', () => {
  let dataDir: string;
  let videosDir: string;
  let db: TestDatabase;
  let cloud: LocalCloud;
  let operator: string;

  const scrape = async () => {
    const response = await fetch(cloud.metrics.metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return response.text();
  };
  const eventually = (name: string, labels: Record<string, string>) =>
    expect.poll(async () => sample(await scrape(), name, labels), { timeout: 30_000, interval: 250 });

  const api = (
    key: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${cloud.gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  async function createOrg(kind: string, scopes: string[]): Promise<{ id: string; key: string }> {
    const response = await api(operator, 'POST', '/orgs', { name: `${kind} org`, kind, scopes });
    expect(response.status).toBe(201);
    const org = (await response.json()) as { id: string; apiKey: { key: string } };
    return { id: org.id, key: org.apiKey.key };
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fc-metrics-'));
    videosDir = await mkdtemp(join(tmpdir(), 'fc-metrics-videos-'));
    db = await createTestDatabase(inject('mysqlUrl'), 'metrics_e2e');
    cloud = await startLocalCloud({
      dataDir,
      mysqlUrl: db.url,
      logLevel: 'warn',
      authorizerCacheMs: 0,
      schedules: { autoStart: false },
      blockIntervalMs: 200,
      transcoders: { count: 1, env: { TRANSCODE_PRESET: 'ultrafast' } },
      processesPerFunction: 1,
    });
    operator = (await readFile((await ensureOperatorKey(cloud.mysqlUrl, dataDir)).file, 'utf8')).trim();
  });

  afterAll(async () => {
    await cloud?.stop();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(videosDir, { recursive: true, force: true });
  });

  it('counts requests, a minted license once across an idempotent replay, and a print grant', async () => {
    const designer = await createOrg('designer', [
      'designs:write',
      'designs:read',
      'licenses:write',
      'licenses:read',
    ]);
    const shop = await createOrg('licensee', ['printers:write', 'licenses:read']);
    const file = binaryStlCube(10);
    const created = await api(designer.key, 'POST', '/designs', {
      name: 'bracket',
      format: 'stl',
      sizeBytes: file.length,
    });
    expect(created.status).toBe(201);
    const design = (await created.json()) as {
      id: string;
      upload: { url: string; headers: Record<string, string> };
    };
    expect(
      (await fetch(design.upload.url, { method: 'PUT', headers: design.upload.headers, body: file })).status,
    ).toBe(200);
    await cloud.events.idle();
    const printerKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const registered = await api(shop.key, 'POST', '/printers', {
      name: 'Line 1',
      publicKeyPem: printerKeys.publicKey.export({ type: 'spki', format: 'pem' }),
    });
    expect(registered.status).toBe(201);
    const printer = (await registered.json()) as { id: string; credential: string };

    const terms = {
      designId: design.id,
      holderOrgId: shop.id,
      prints: 3,
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      printerIds: [printer.id],
    };
    const sold = await api(designer.key, 'POST', '/licenses', terms, { 'idempotency-key': 'metrics-1' });
    expect(sold.status).toBe(201);
    const license = (await sold.json()) as { id: string; status: string };
    expect(license.status).toBe('active');
    const replay = await api(designer.key, 'POST', '/licenses', terms, { 'idempotency-key': 'metrics-1' });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(((await replay.json()) as { id: string }).id).toBe(license.id);

    const granted = await api(printer.credential, 'POST', '/print-jobs', { licenseId: license.id });
    expect(granted.status).toBe(201);

    const mint = { function: 'license-mint' };
    // Both calls' counts have arrived once requests reads 2: a call records its business
    // metrics before its request is counted, in the same process and so the same or an
    // earlier flush.
    await eventually('forgecast_requests_total', mint).toBe(2);
    await eventually('forgecast_requests_total', { function: 'print-authorize' }).toBe(1);
    const text = await scrape();
    expect(sample(text, 'forgecast_licenses_minted_total', mint)).toBe(1);
    expect(sample(text, 'forgecast_prints_authorized_total', { function: 'print-authorize' })).toBe(1);
    expect(sample(text, 'forgecast_errors_total', mint)).toBeUndefined();
    expect(sample(text, 'forgecast_latency_ms_count', mint)).toBe(2);
    expect(sample(text, 'forgecast_latency_ms_bucket', { ...mint, le: '+Inf' })).toBe(2);
    expect(text).toContain('# TYPE forgecast_latency_ms histogram\n');
    expect(text).toContain('# TYPE forgecast_licenses_minted_total counter\n');
    // The authorizer ran for every authenticated call through the gateway.
    expect(sample(text, 'forgecast_requests_total', { function: 'authorizer' })).toBeGreaterThanOrEqual(5);
  });

  it('counts a call that answered 5xx as an error of its function', async () => {
    const call = (timeoutMs?: number) =>
      cloud.runner.call('health', {
        headers: fnHttpHeaders('GET', '/v1/health/live', {}),
        body: Buffer.alloc(0),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
    const warm = await call();
    expect(warm.kind === 'ok' && clientResponseOf(warm.reply).status).toBe(200);
    // A deadline inside the runtime's safety margin: the function answers 504 at once.
    const late = await call(100);
    expect(late.kind === 'ok' && clientResponseOf(late.reply).status).toBe(504);

    await eventually('forgecast_requests_total', { function: 'health' }).toBe(2);
    expect(sample(await scrape(), 'forgecast_errors_total', { function: 'health' })).toBe(1);
  });

  it('refuses pushes that are malformed, inconsistent or too large, and changes nothing', async () => {
    const push = (body: string, contentType = 'application/json') =>
      fetch(cloud.metrics.pushUrl, { method: 'POST', headers: { 'content-type': contentType }, body });
    const series = (overrides: Record<string, unknown>) =>
      JSON.stringify({
        namespace: 'forgecast',
        dropped: 0,
        series: [
          {
            kind: 'counter',
            name: 'requests',
            dimensions: { function: 'refused-probe' },
            timestamp: new Date().toISOString(),
            sum: 1,
            count: 1,
            ...overrides,
          },
        ],
      });

    // A well-formed push is taken, and makes `requests` a counter family.
    expect((await push(series({ dimensions: { function: 'accepted-probe' } }))).status).toBe(204);
    expect(sample(await scrape(), 'forgecast_requests_total', { function: 'accepted-probe' })).toBe(1);

    expect((await push('{')).status).toBe(400);
    expect((await push(series({}), 'text/plain')).status).toBe(415);
    expect((await push(series({ name: 'Requests-Total' }))).status).toBe(400);
    expect((await push(series({ dimensions: { function: 'refused-probe', le: '1' } }))).status).toBe(400);
    expect((await push(series({ sum: -1 }))).status).toBe(400);
    expect((await push(series({ kind: 'histogram', name: 'latency_ms', buckets: [1] }))).status).toBe(400);
    const buckets = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
    expect((await push(series({ kind: 'histogram', name: 'latency_ms', buckets, count: 1 }))).status).toBe(
      400,
    );
    // requests is a counter: the same family pushed as a histogram is refused.
    buckets[0] = 1;
    expect((await push(series({ kind: 'histogram', name: 'requests', buckets, count: 1 }))).status).toBe(400);
    expect((await push(' '.repeat(MAX_PUSH_BODY_BYTES + 1))).status).toBe(413);

    const after = await scrape();
    expect(after).not.toContain('refused-probe');
    expect(after).toContain('# TYPE forgecast_requests_total counter\n');
    expect(sample(after, 'forgecast_requests_total', { function: 'accepted-probe' })).toBe(1);
  });

  it('counts finished transcode jobs by outcome and the seconds of media they held', async () => {
    const creator = await createOrg('creator', ['videos:write']);
    async function transcode(path: string, contentType: string) {
      const bytes = await readFile(path);
      const created = await api(creator.key, 'POST', '/videos', {
        title: 'clip',
        contentType,
        sizeBytes: bytes.length,
      });
      expect(created.status).toBe(201);
      const video = (await created.json()) as {
        id: string;
        upload: { url: string; headers: Record<string, string> };
      };
      expect(
        (await fetch(video.upload.url, { method: 'PUT', headers: video.upload.headers, body: bytes })).status,
      ).toBe(200);
      for (;;) {
        const view = (await (await api(creator.key, 'GET', `/videos/${video.id}`)).json()) as {
          status: string;
          durationSeconds: number | null;
        };
        if (view.status === 'ready' || view.status === 'failed') return view;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    const clip = await makeTestVideo(videosDir, {
      width: 320,
      height: 240,
      seconds: 2,
      audio: false,
      codec: 'mpeg4',
    });
    const ready = await transcode(clip, 'video/mp4');
    expect(ready.status).toBe('ready');
    const refused = await transcode(await makeNonVideo(videosDir), 'video/mp4');
    expect(refused.status).toBe('failed');

    const worker = { worker: 'transcoder' };
    await eventually('forgecast_transcode_jobs_total', { ...worker, outcome: 'ready' }).toBe(1);
    await eventually('forgecast_transcode_jobs_total', { ...worker, outcome: 'failed' }).toBe(1);
    const text = await scrape();
    expect(sample(text, 'forgecast_transcode_jobs_total', { ...worker, outcome: 'retried' })).toBeUndefined();
    expect(sample(text, 'forgecast_transcode_seconds_total', worker)).toBeCloseTo(
      ready.durationSeconds ?? 0,
      6,
    );
    expect(ready.durationSeconds).toBeGreaterThan(1.5);
  }, 120_000);
});
