import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RowDataPacket } from 'mysql2/promise';
import Stripe from 'stripe';
import { insertOrganisation } from '#shared/accounts/api-key-store.ts';
import { createPool, type DbPool } from '#shared/db/pool.ts';
import { newId } from '#shared/ids.ts';
import type { LocalCloud } from '../infra/local/cloud.ts';
import { parseWrkReport, runLoad } from './lib/run-load.ts';
import { percentile, round } from './lib/stats.ts';
import { verdict, versusHealth } from './lib/versus-health.ts';

const run = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SWEEP = [8, 16, 32];
/** Issue 18: events/s ÷ GET /v1/health/live through the same gateway, and p99 at c8. */
const TARGETS = { throughputRatio: 0.35, p99Ms: 50, latencyAt: 8 };
/** Every fifth request repeats the event two places back, which may still be in flight. */
const DUPLICATE_EVERY = 5;
/** Distinct completions prepared per second of load: more than the function can take. */
const EVENTS_PER_SECOND = 1500;

interface WebhookLoad {
  readonly tool: 'wrk' | 'node';
  readonly requests: number;
  readonly fresh: number;
  readonly duplicates: number;
  readonly other: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

interface Batch {
  readonly showId: string;
  readonly eventIds: readonly string[];
  readonly file: string;
}

/**
 * Verified Stripe webhook deliveries through the local cloud: gateway (anonymous route), the
 * stripe-webhook FDK process, signature check on the raw body, the event recorded once and the
 * order fulfilled in one MariaDB transaction. The load is paid `checkout.session.completed`
 * events for held seats of one show (every sale queues on that show's row, the hot-show case),
 * one in five a duplicate delivery. Each load run is paired with GET /v1/health/live through the
 * same gateway at the same concurrency (versusHealth), over several rounds, then checked against
 * the database: every recorded completion paid exactly one order with exactly one ticket, and
 * duplicates added nothing.
 */
export async function benchStripeWebhook(cloud: LocalCloud): Promise<Record<string, unknown>> {
  const secret = cloud.platformEnv.STRIPE_WEBHOOK_SECRETS?.split(',')[0]?.trim();
  if (!secret) throw new Error('the local cloud sets no STRIPE_WEBHOOK_SECRETS');
  const pool = createPool(cloud.mysqlUrl, { connectionLimit: 4 });
  const scratch = await mkdtemp(join(tmpdir(), 'fc-bench-stripe-'));
  try {
    const viewerId = newId();
    const creatorId = newId();
    await insertOrganisation(pool, { id: creatorId, name: 'bench creator', kind: 'creator' });
    await insertOrganisation(pool, { id: viewerId, name: 'bench viewer', kind: 'viewer' });
    const url = `${cloud.gatewayUrl}/webhooks/stripe`;
    const prepare = (seconds: number) =>
      prepareBatch(pool, scratch, secret, { creatorId, viewerId, events: seconds * EVENTS_PER_SECOND });

    await cloud.runner.warmAll();
    const warmup = await prepare(1);
    await webhookLoad(url, warmup, 1, 8); // JIT, pools, the first transactions
    await runLoad(`${cloud.gatewayUrl}/health/live`, 1, 8);

    const runs: Array<{ batch: Batch; load: WebhookLoad }> = [];
    let next: Batch | undefined;
    let other = 0;
    const paired = await versusHealth({
      gatewayUrl: cloud.gatewayUrl,
      scheduler: cloud.scheduler,
      rounds: ROUNDS,
      seconds: SECONDS,
      sweep: SWEEP,
      latencyAt: TARGETS.latencyAt,
      async setUp(_connections, seconds) {
        next = await prepare(seconds);
      },
      async measure(connections, seconds) {
        const batch = next as Batch;
        const load = await webhookLoad(url, batch, seconds, connections);
        other += load.other;
        runs.push({ batch, load });
        return load;
      },
    });
    // Checked once the load is over (each check waits out requests still in flight).
    const ledgers: Ledger[] = [];
    for (const { batch, load } of runs) ledgers.push(await ledger(pool, batch, load));
    const exact = ledgers.every((l) => l.holds);
    const pass = {
      throughput: paired.throughputRatio.median >= TARGETS.throughputRatio,
      p99: paired.p99Ms.median <= TARGETS.p99Ms,
    };
    return {
      eventPipeline: paired.eventPipeline,
      'verified webhook events ÷ GET /health/live, per round (paired at each concurrency)': paired.perRound,
      sweep: paired.rounds.map((byConcurrency) =>
        Object.fromEntries(
          Object.entries(byConcurrency).map(([c, r]) => [
            c,
            {
              perSecond: r.subject.perSecond,
              p99: r.subject.p99,
              duplicates: r.subject.duplicates,
              other: r.subject.other,
              healthPerSecond: r.health.perSecond,
              healthP99: r.health.p99,
              ratio: r.ratio,
              cpuMsPerRequest: r.subject.cpuMsPerRequest,
              healthCpuMsPerRequest: r.health.cpuMsPerRequest,
            },
          ]),
        ),
      ),
      throughputRatio: paired.throughputRatio,
      'health core-ms per request ÷ ours (the throughput ratio when the cores are the limit)':
        paired.cpuRatio,
      [`p99 at c${TARGETS.latencyAt} (ms)`]: paired.p99Ms,
      [`p99 at c${TARGETS.latencyAt} ÷ health p99`]: paired.p99Ratio,
      exactlyOnce: { holds: exact, failing: ledgers.filter((l) => !l.holds) },
      targets: [
        verdict('events/s ÷ health', paired.throughputRatio, TARGETS.throughputRatio, 'atLeast'),
        verdict(`p99 at c${TARGETS.latencyAt} (ms)`, paired.p99Ms, TARGETS.p99Ms, 'atMost'),
        `${exact && other === 0 ? 'PASS' : 'FAIL'} exactly once: every recorded completion paid one order with one ticket, duplicates added nothing`,
      ],
      meetsTargets: exact && other === 0 && pass.throughput && pass.p99,
    };
  } finally {
    await pool.end();
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * A show with a seat for every event, a held seat per event, and the signed requests in send
 * order: `signature \n length \n body` each, bodies pretty-printed as Stripe sends them.
 */
async function prepareBatch(
  pool: DbPool,
  scratch: string,
  secret: string,
  setup: { creatorId: string; viewerId: string; events: number },
): Promise<Batch> {
  const showId = newId();
  await pool.query(
    `INSERT INTO shows (id, org_id, title, starts_at, capacity, price_amount, currency)
     VALUES (?, ?, 'bench show', NOW(3) + INTERVAL 1 DAY, ?, 2500, 'eur')`,
    [showId, setup.creatorId, setup.events],
  );
  const orders = Array.from({ length: setup.events }, () => ({
    holdId: newId(),
    sessionId: `cs_test_${randomBytes(24).toString('hex')}`,
  }));
  const expiresAt = new Date(Date.now() + 3600_000);
  for (let start = 0; start < orders.length; start += 1000) {
    const rows = orders
      .slice(start, start + 1000)
      .map(({ holdId, sessionId }) => [
        holdId,
        showId,
        setup.viewerId,
        1,
        2500,
        'eur',
        'held',
        sessionId,
        expiresAt,
      ]);
    await pool.query(
      `INSERT INTO seat_holds (id, show_id, buyer_org_id, quantity, amount_total, currency, status,
                               checkout_session_id, expires_at) VALUES ?`,
      [rows],
    );
  }
  const timestamp = Math.floor(Date.now() / 1000);
  const signed = orders.map(({ holdId, sessionId }) => {
    const event = completion(showId, holdId, sessionId);
    const body = JSON.stringify(event, null, 2);
    return {
      id: event.id,
      entry: `${Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp })}\n${Buffer.byteLength(body)}\n${body}`,
    };
  });
  const sendOrder: string[] = [];
  signed.forEach((item, index) => {
    sendOrder.push(item.entry);
    if (index % DUPLICATE_EVERY === DUPLICATE_EVERY - 1)
      sendOrder.push((signed[index - 2] as typeof item).entry);
  });
  const file = join(scratch, `events-${showId}.txt`);
  await writeFile(file, sendOrder.join(''));
  return { showId, eventIds: signed.map((item) => item.id), file };
}

function completion(showId: string, holdId: string, sessionId: string) {
  const now = Math.floor(Date.now() / 1000);
  return {
    id: `evt_${randomBytes(12).toString('hex')}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: now,
    data: {
      object: {
        id: sessionId,
        object: 'checkout.session',
        amount_subtotal: 2500,
        amount_total: 2500,
        cancel_url: 'https://forgecast.test/cancelled',
        client_reference_id: holdId,
        created: now - 60,
        currency: 'eur',
        customer: null,
        customer_details: { email: 'viewer@example.test', name: null, phone: null, tax_exempt: 'none' },
        expires_at: now + 1740,
        livemode: false,
        metadata: { hold_id: holdId, show_id: showId },
        mode: 'payment',
        payment_intent: `pi_${randomBytes(12).toString('hex')}`,
        payment_method_types: ['card'],
        payment_status: 'paid',
        status: 'complete',
        success_url: 'https://forgecast.test/done?session={CHECKOUT_SESSION_ID}',
        ui_mode: 'hosted',
        url: null,
      },
    },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'checkout.session.completed',
  };
}

interface Ledger {
  readonly recordedEvents: number;
  readonly paidOrders: number;
  readonly tickets: number;
  readonly maxTicketsPerOrder: number;
  readonly seatsSold: number;
  readonly unprocessed: number;
  readonly freshAnswers: number;
  readonly unprocessedBecause: readonly string[];
  /** Every recorded completion paid one order with one ticket; no duplicate added anything. */
  readonly holds: boolean;
}

async function ledger(pool: DbPool, batch: Batch, load: WebhookLoad): Promise<Ledger> {
  // wrk stops at its deadline with requests in flight; the gateway finishes them. Counted after.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const [events] = await pool.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS recorded, COUNT(*) - COUNT(processed_at) AS unprocessed FROM stripe_events WHERE id IN (?)`,
    [batch.eventIds],
  );
  const [orders] = await pool.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS paid, COALESCE(MAX(t.n), 0) AS most, COALESCE(SUM(t.n), 0) AS tickets,
            (SELECT seats_sold FROM shows WHERE id = ?) AS sold
       FROM seat_holds h
       LEFT JOIN (SELECT hold_id, COUNT(*) AS n FROM tickets WHERE show_id = ? GROUP BY hold_id) t ON t.hold_id = h.id
      WHERE h.show_id = ? AND h.status = 'paid'`,
    [batch.showId, batch.showId, batch.showId],
  );
  const [reasons] = await pool.query<RowDataPacket[]>(
    `SELECT last_error, COUNT(*) AS n FROM stripe_events
      WHERE id IN (?) AND processed_at IS NULL GROUP BY last_error ORDER BY n DESC LIMIT 3`,
    [batch.eventIds],
  );
  const e = events[0] as RowDataPacket;
  const o = orders[0] as RowDataPacket;
  const result = {
    recordedEvents: Number(e.recorded),
    paidOrders: Number(o.paid),
    tickets: Number(o.tickets),
    maxTicketsPerOrder: Number(o.most),
    seatsSold: Number(o.sold),
    unprocessed: Number(e.unprocessed),
    freshAnswers: load.fresh,
    unprocessedBecause: reasons.map((row) => `${Number(row.n)}× ${String(row.last_error)}`),
  };
  return {
    ...result,
    holds:
      result.paidOrders === result.recordedEvents &&
      result.tickets === result.paidOrders &&
      result.seatsSold === result.paidOrders &&
      result.maxTicketsPerOrder <= 1 &&
      result.unprocessed === 0 &&
      result.freshAnswers <= result.recordedEvents,
  };
}

/** wrk replays the prepared requests in order (wrapping round) and sorts the answers. */
const WRK_SCRIPT = `
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  requests_list = {}
  local f = assert(io.open(os.getenv("EVENTS_FILE"), "rb"))
  local data = f:read("*a")
  f:close()
  local pos = 1
  while pos <= #data do
    local a = string.find(data, "\\n", pos, true)
    local signature = string.sub(data, pos, a - 1)
    local b = string.find(data, "\\n", a + 1, true)
    local length = tonumber(string.sub(data, a + 1, b - 1))
    local body = string.sub(data, b + 1, b + length)
    pos = b + length + 1
    table.insert(requests_list, wrk.format("POST", nil,
      { ["Content-Type"] = "application/json; charset=utf-8", ["Stripe-Signature"] = signature }, body))
  end
  next_index = 0
  fresh = 0; duplicates = 0; other = 0
end
function request()
  next_index = next_index % #requests_list + 1
  return requests_list[next_index]
end
function response(status, headers, body)
  if status == 200 then
    if string.find(body, '"duplicate":true', 1, true) then duplicates = duplicates + 1 else fresh = fresh + 1 end
  else other = other + 1 end
end
function done(summary, latency, requests)
  local f, d, o = 0, 0, 0
  for _, t in ipairs(threads) do f = f + t:get("fresh"); d = d + t:get("duplicates"); o = o + t:get("other") end
  io.write(string.format("COUNTS %d %d %d\\n", f, d, o))
end
`;

async function webhookLoad(
  url: string,
  batch: Batch,
  seconds: number,
  connections: number,
): Promise<WebhookLoad> {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error('load only targets loopback');
  const script = join(batch.file, '..', 'stripe-webhook.lua');
  await writeFile(script, WRK_SCRIPT);
  let stdout: string;
  try {
    ({ stdout } = await run(
      'wrk',
      ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url],
      {
        env: { ...process.env, EVENTS_FILE: batch.file },
        maxBuffer: 16 * 1024 * 1024,
      },
    ));
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
    return nodeLoad(url, batch, seconds, connections);
  }
  const report = parseWrkReport(stdout);
  const [fresh, duplicates, other] = report.counts;
  return {
    tool: 'wrk',
    requests: report.requests,
    fresh,
    duplicates,
    other,
    perSecond: report.perSecond,
    p50: report.p50,
    p99: report.p99,
  };
}

/** Without wrk: the same requests from fetch loops in this process (its own CPU lowers the figure). */
async function nodeLoad(
  url: string,
  batch: Batch,
  seconds: number,
  connections: number,
): Promise<WebhookLoad> {
  const { readFile } = await import('node:fs/promises');
  const data = await readFile(batch.file);
  const requests: Array<{ signature: string; body: Buffer }> = [];
  for (let pos = 0; pos < data.length; ) {
    const a = data.indexOf(10, pos);
    const b = data.indexOf(10, a + 1);
    const length = Number(data.subarray(a + 1, b).toString());
    requests.push({
      signature: data.subarray(pos, a).toString(),
      body: data.subarray(b + 1, b + 1 + length),
    });
    pos = b + 1 + length;
  }
  const latencies: number[] = [];
  const counts = { fresh: 0, duplicates: 0, other: 0 };
  const stopAt = performance.now() + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < stopAt) {
        const item = requests[next++ % requests.length] as (typeof requests)[number];
        const started = performance.now();
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': item.signature },
          body: item.body,
        });
        const text = await response.text();
        latencies.push(performance.now() - started);
        if (response.status !== 200) counts.other += 1;
        else if (text.includes('"duplicate":true')) counts.duplicates += 1;
        else counts.fresh += 1;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    tool: 'node',
    requests: latencies.length,
    ...counts,
    perSecond: Math.round(latencies.length / seconds),
    p50: round(percentile(latencies, 50), 3),
    p99: round(percentile(latencies, 99), 3),
  };
}
