import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import http, { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { encodePublishedEvent, type PublishedEvent, streamKeyOf } from '#events/domain/stream-message.ts';
import { readConfig } from '#shared/config/config.ts';
import { createLocalKeyWrapper } from '#shared/crypto/local-key-wrapper.ts';
import { newId } from '#shared/ids.ts';
import { MySqlEventStream } from '#shared/stream/mysql-stream.ts';
import { WebhookDeliverer } from '#shared/webhooks/deliverer.ts';
import { WebhookDispatcher } from '#shared/webhooks/dispatcher.ts';
import { insertEndpoint } from '#shared/webhooks/endpoint-repository.ts';
import { SecretBox } from '#shared/webhooks/secret-box.ts';
import { newSigningSecret, SIGNATURE_HEADER, signatureHeader } from '#shared/webhooks/signature.ts';
import { delivererOptionsFromConfig, webhookDeliveryConfig } from '#shared/webhooks/webhook-config.ts';
import { createOrgWithKey } from '../test/support/accounts.ts';
import { startTestDatabaseServer } from '../test/support/database-server.ts';
import { createTestDatabase } from '../test/support/db.ts';
import { percentile, round } from './lib/stats.ts';

/**
 * Webhook fan-out: BENCH_WEBHOOK_EVENTS (1,000) events of one organisation, across
 * BENCH_WEBHOOK_AGGREGATES (200) aggregates, put on the MariaDB event stream at once, each
 * delivered to every one of BENCH_WEBHOOK_ENDPOINTS (50) subscribed endpoints by the dispatcher
 * (consumer group webhooks → deliveries → signed POSTs, ordered per aggregate, every attempt
 * logged) at the function's defaults (16 in flight, 500 per pass). Figures: deliveries/s and the
 * p50/p99 latency from the event's put on the stream to its receipt.
 *
 * Baseline in the same run: the same number of signed POSTs straight to the same receiver at the
 * same concurrency, no database and no stream, all queued at the start (latency from the start).
 * A burst's latency is mostly its queue (the last delivery waits for the other 49,999); the
 * `paced` figures show one event's latency when the dispatcher keeps up.
 *
 * The receiver runs in a child process (this file with `--receiver`), so it does not share an
 * event loop with either sender; both sides read one wall clock.
 */
export interface FanoutFigures {
  readonly deliveries: number;
  readonly seconds: number;
  readonly deliveriesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface WebhookFanoutBench {
  readonly endpoints: number;
  readonly events: number;
  readonly concurrency: number;
  readonly dispatcher: FanoutFigures;
  readonly plainSignedPosts: FanoutFigures;
  /** dispatcher deliveries/s ÷ plain POSTs/s, same run. */
  readonly throughputRatio: number;
  /**
   * Report only: BENCH_WEBHOOK_PACED_EVENTS (20) events put one every 250 ms (not a burst) while the
   * dispatcher polls as the function does (a pass, then WEBHOOK_POLL_MS when idle): what one
   * integrator waits for one event.
   */
  readonly paced: { readonly deliveries: number; readonly p50Ms: number; readonly p99Ms: number };
}

interface Receiver {
  readonly url: string;
  /** Receipt times (epoch ms) by `<endpoint>/<event id>`. */
  receipts(): Promise<Map<string, number>>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const envCount = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

async function startReceiver(): Promise<Receiver> {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url), '--receiver'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the receiver exited early (${code})`)));
    createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> }).on('line', (line) => {
      const message = JSON.parse(line) as { url?: string };
      if (message.url) resolve(message.url);
    });
  });
  const control = async (path: string) => (await fetch(`${url}${path}`, { method: 'GET' })).json();
  return {
    url,
    receipts: async () => new Map(Object.entries((await control('/_receipts')) as Record<string, number>)),
    reset: async () => {
      await control('/_reset');
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The receiver child: records when each (endpoint, event) first arrives, answers 204. */
function runReceiver(): void {
  let receipts: Record<string, number> = {};
  const server = createServer((request, response) => {
    if (request.method === 'GET') {
      if (request.url === '/_reset') receipts = {};
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(receipts));
      return;
    }
    request.resume();
    request.on('end', () => {
      const key = `${request.url}/${String(request.headers['forgecast-event-id'])}`;
      receipts[key] ??= Date.now();
      response.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1', () => {
    console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

function figures(latencies: number[], seconds: number): FanoutFigures {
  const sorted = latencies.sort((a, b) => a - b);
  return {
    deliveries: sorted.length,
    seconds: round(seconds, 2),
    deliveriesPerSecond: Math.round(sorted.length / seconds),
    p50Ms: Math.round(percentile(sorted, 50)),
    p99Ms: Math.round(percentile(sorted, 99)),
  };
}

/** The baseline: signed POSTs, `concurrency` at a time, fresh connections as the sender uses. */
async function plainSignedPosts(
  receiver: Receiver,
  targets: readonly { path: string; eventId: string; body: Buffer }[],
  concurrency: number,
): Promise<FanoutFigures> {
  const secret = newSigningSecret().text;
  const started = Date.now();
  let next = 0;
  const post = (target: (typeof targets)[number]) =>
    new Promise<void>((resolve, reject) => {
      const request = http.request(`${receiver.url}${target.path}`, {
        method: 'POST',
        agent: false,
        headers: {
          [SIGNATURE_HEADER]: signatureHeader([secret], Math.floor(Date.now() / 1000), target.body),
          'Forgecast-Event-Id': target.eventId,
          'Content-Type': 'application/json',
          'Content-Length': String(target.body.length),
        },
      });
      request.on('response', (response) => {
        response.resume();
        response.on('end', resolve);
      });
      request.on('error', reject);
      request.end(target.body);
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let index = next++; index < targets.length; index = next++) await post(targets[index] as never);
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  const receipts = await receiver.receipts();
  return figures(
    [...receipts.values()].map((at) => at - started),
    seconds,
  );
}

/** The function's WEBHOOK_POLL_MS default: its pause after a pass that found nothing. */
const POLL_MS = 500;
const PACE_MS = 250;

async function pacedLatency(
  dispatcher: WebhookDispatcher,
  stream: MySqlEventStream,
  receiver: Receiver,
  options: { orgId: string; events: number; endpoints: number },
): Promise<{ deliveries: number; p50Ms: number; p99Ms: number }> {
  let running = true;
  const loop = (async () => {
    while (running) {
      const { expanded, sent } = await dispatcher.pass();
      if (expanded.messages === 0 && sent.claimed === 0)
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  })();
  const putAt = new Map<string, number>();
  for (let index = 0; index < options.events; index += 1) {
    const designId = `paced-${index}`;
    const event: PublishedEvent = {
      id: randomUUID(),
      type: 'design.registered',
      version: 1,
      aggregateType: 'design',
      aggregateId: designId,
      occurredAt: new Date().toISOString(),
      sequence: String(1_000_000 + index),
      payload: { designId, orgId: options.orgId, sha256: 'cd'.repeat(32), txHash: null, blockNumber: null },
    };
    await stream.put([{ key: streamKeyOf(event), value: encodePublishedEvent(event) }]);
    putAt.set(event.id, Date.now());
    await new Promise((resolve) => setTimeout(resolve, PACE_MS));
  }
  const expected = options.events * options.endpoints;
  const deadline = Date.now() + 120_000;
  let receipts = await receiver.receipts();
  while (receipts.size < expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    receipts = await receiver.receipts();
  }
  running = false;
  await loop;
  const latencies = [...receipts.entries()]
    .map(([key, at]) => at - (putAt.get(key.split('/').at(-1) ?? '') ?? at))
    .sort((a, b) => a - b);
  if (latencies.length < expected) throw new Error(`Paced: ${latencies.length} of ${expected} arrived`);
  return {
    deliveries: latencies.length,
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms: Math.round(percentile(latencies, 99)),
  };
}

export async function benchWebhookFanout(): Promise<WebhookFanoutBench> {
  const endpointCount = envCount('BENCH_WEBHOOK_ENDPOINTS', 50);
  const eventCount = envCount('BENCH_WEBHOOK_EVENTS', 1000);
  const aggregates = envCount('BENCH_WEBHOOK_AGGREGATES', 200);
  // The function's own defaults, but private targets allowed: the receiver is on loopback.
  const config = readConfig(webhookDeliveryConfig, { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  const options = delivererOptionsFromConfig(config);
  const server = await startTestDatabaseServer();
  const db = await createTestDatabase(server.url, 'bench_webhooks');
  const receiver = await startReceiver();
  try {
    const org = await createOrgWithKey(db.pool, []);
    const secrets = new SecretBox(createLocalKeyWrapper(randomBytes(32)));
    const paths: string[] = [];
    for (let index = 0; index < endpointCount; index += 1) {
      const secret = await secrets.create();
      const path = `/e/${index}`;
      paths.push(path);
      await insertEndpoint(db.pool, {
        id: newId(),
        orgId: org.orgId,
        url: `${receiver.url}${path}`,
        description: null,
        eventTypes: ['design.registered'],
        secret: secret.stored,
      });
    }
    const events: PublishedEvent[] = Array.from({ length: eventCount }, (_, index) => {
      const designId = `d-${index % aggregates}`;
      return {
        id: randomUUID(),
        type: 'design.registered',
        version: 1,
        aggregateType: 'design',
        aggregateId: designId,
        occurredAt: new Date().toISOString(),
        sequence: String(index + 1),
        payload: { designId, orgId: org.orgId, sha256: 'ab'.repeat(32), txHash: null, blockNumber: null },
      };
    });
    const stream = new MySqlEventStream({ pool: db.pool, name: 'domain-events', partitions: 4 });
    const deliverer = new WebhookDeliverer(db.pool, secrets, options);
    const dispatcher = new WebhookDispatcher(db.pool, stream, deliverer, { readLimit: 500, sendLimit: 500 });
    const expected = endpointCount * eventCount;

    // The dispatcher: put every event at once, then pass after pass until every delivery arrived.
    const putAt = new Map<string, number>();
    const started = Date.now();
    for (let start = 0; start < events.length; start += 500) {
      const batch = events.slice(start, start + 500);
      await stream.put(
        batch.map((event) => ({ key: streamKeyOf(event), value: encodePublishedEvent(event) })),
      );
      const now = Date.now();
      for (const event of batch) putAt.set(event.id, now);
    }
    let passes = 0;
    for (;;) {
      const { expanded, sent } = await dispatcher.pass();
      passes += 1;
      if (expanded.messages === 0 && sent.claimed === 0) {
        const count = (await receiver.receipts()).size;
        if (count >= expected) break;
        if (passes > 100_000) throw new Error(`Only ${count} of ${expected} deliveries arrived`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const dispatchSeconds = (Date.now() - started) / 1000;
    const receipts = await receiver.receipts();
    const dispatched = figures(
      [...receipts.entries()].map(([key, at]) => at - (putAt.get(key.split('/').at(-1) ?? '') ?? at)),
      dispatchSeconds,
    );

    // Paced: events one at a time, the same reader.
    await receiver.reset();
    const paced = await pacedLatency(dispatcher, stream, receiver, {
      orgId: org.orgId,
      events: envCount('BENCH_WEBHOOK_PACED_EVENTS', 20),
      endpoints: endpointCount,
    });

    await dispatcher.close();

    // The baseline: the same deliveries as plain signed POSTs at the same concurrency.
    await receiver.reset();
    const targets = paths.flatMap((path) =>
      events.map((event) => ({ path, eventId: event.id, body: encodePublishedEvent(event) })),
    );
    const plain = await plainSignedPosts(receiver, targets, options.concurrency);
    return {
      endpoints: endpointCount,
      events: eventCount,
      concurrency: options.concurrency,
      dispatcher: dispatched,
      plainSignedPosts: plain,
      throughputRatio: round(dispatched.deliveriesPerSecond / plain.deliveriesPerSecond, 2),
      paced,
    };
  } finally {
    await receiver.stop();
    await db.drop();
    await server.stop();
  }
}

if (process.argv.includes('--receiver')) runReceiver();
