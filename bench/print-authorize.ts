import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RowDataPacket } from 'mysql2/promise';
import { BUCKETS } from '#events/buckets.ts';
import { insertApiKey, insertOrganisation } from '#shared/accounts/api-key-store.ts';
import { issueApiKey } from '#shared/accounts/api-keys.ts';
import { createLocalKeyWrapper } from '#shared/crypto/local-key-wrapper.ts';
import { createPool, type DbPool } from '#shared/db/pool.ts';
import { newId } from '#shared/ids.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import type { LocalCloud } from '../infra/local/cloud.ts';
import { createLicense, createSealedDesign } from '../test/support/licenses.ts';
import { parseWrkReport, runLoad } from './lib/run-load.ts';
import { round } from './lib/stats.ts';
import { verdict, versusHealth } from './lib/versus-health.ts';

const run = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SWEEP = [8, 16, 32];
/** Prints of the small license hammered to show that load never over-authorizes. */
const CONTESTED_PRINTS = 300;
/** Issue 18: ÷ GET /v1/health/live through the same gateway, and p99 at c8 ÷ health's p99 at c8. */
const TARGETS = { throughputRatio: 0.7, p99Ratio: 2, latencyAt: 8 };

interface PostLoad {
  readonly tool: 'wrk' | 'node';
  readonly requests: number;
  readonly created: number;
  readonly refused: number;
  readonly other: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/**
 * Print authorizations through the local cloud as a printer makes them: gateway, authorizer
 * (its answers cached as API Gateway does), the print-authorize FDK process, MariaDB and the
 * presigner. Each load run is paired with GET /v1/health/live through the same gateway at the
 * same concurrency (versusHealth), over several rounds, then checked against the ledger: every
 * 201 is one print_jobs row and one reserved print, and a license hammered past its prints hands
 * out exactly its prints.
 */
export async function benchPrintAuthorize(cloud: LocalCloud): Promise<Record<string, unknown>> {
  const pool = createPool(cloud.mysqlUrl, { connectionLimit: 4 });
  const scratch = await mkdtemp(join(tmpdir(), 'fc-bench-print-'));
  try {
    const setup = await prepare(cloud, pool);
    const url = `${cloud.gatewayUrl}/print-jobs`;
    await cloud.runner.warmAll();
    const warmup = await postLoad(scratch, url, setup.credential, setup.bigLicense, 1, 8); // JIT, pools, caches
    await runLoad(`${cloud.gatewayUrl}/health/live`, 1, 8);

    let granted = warmup.created;
    let other = warmup.other;
    const paired = await versusHealth({
      gatewayUrl: cloud.gatewayUrl,
      scheduler: cloud.scheduler,
      rounds: ROUNDS,
      seconds: SECONDS,
      sweep: SWEEP,
      latencyAt: TARGETS.latencyAt,
      async measure(connections, seconds) {
        const load = await postLoad(scratch, url, setup.credential, setup.bigLicense, seconds, connections);
        granted += load.created;
        other += load.other;
        return load;
      },
    });
    const big = await ledger(pool, setup.bigLicense);

    // Until the license says no: a slow run must still exhaust it to show it stops exactly there.
    const contested = { requests: 0, created: 0, refused: 0, other: 0 };
    for (let attempt = 0; attempt < 20 && contested.refused === 0; attempt += 1) {
      const load = await postLoad(scratch, url, setup.credential, setup.contestedLicense, 2, 16);
      contested.requests += load.requests;
      contested.created += load.created;
      contested.refused += load.refused;
      contested.other += load.other;
    }
    const small = await ledger(pool, setup.contestedLicense);
    const overAuthorized =
      big.jobs !== big.printsReserved ||
      big.jobs < granted ||
      small.jobs !== CONTESTED_PRINTS ||
      small.printsReserved !== CONTESTED_PRINTS ||
      small.distinctSerials !== small.jobs ||
      contested.created > CONTESTED_PRINTS;

    const pass = {
      throughput: paired.throughputRatio.median >= TARGETS.throughputRatio,
      p99: paired.p99Ratio.median <= TARGETS.p99Ratio,
    };
    return {
      eventPipeline: paired.eventPipeline,
      'print authorizations ÷ GET /health/live, per round (paired at each concurrency)': paired.perRound,
      sweep: paired.rounds.map((byConcurrency) =>
        Object.fromEntries(
          Object.entries(byConcurrency).map(([c, r]) => [
            c,
            {
              perSecond: r.subject.perSecond,
              p99: r.subject.p99,
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
      [`p99 at c${TARGETS.latencyAt} ÷ health p99`]: paired.p99Ratio,
      [`p99 at c${TARGETS.latencyAt} (ms)`]: paired.p99Ms,
      ledger: {
        bigLicense: { grantsAnswered: granted, otherAnswers: other, ...big },
        contested: { printsTotal: CONTESTED_PRINTS, ...contested, ...small },
        overAuthorized,
      },
      targets: [
        verdict('authorizations/s ÷ health', paired.throughputRatio, TARGETS.throughputRatio, 'atLeast'),
        verdict(`p99 at c${TARGETS.latencyAt} ÷ health p99`, paired.p99Ratio, TARGETS.p99Ratio, 'atMost'),
        `${overAuthorized || other > 0 ? 'FAIL' : 'PASS'} ledger: every grant one job and one reserved print, the contested license stops at exactly ${CONTESTED_PRINTS}`,
      ],
      meetsTargets: pass.throughput && pass.p99 && !overAuthorized && other === 0,
    };
  } finally {
    await pool.end();
    await rm(scratch, { recursive: true, force: true });
  }
}

async function prepare(cloud: LocalCloud, pool: DbPool) {
  const env = cloud.platformEnv;
  const orgId = newId();
  const designerId = newId();
  await insertOrganisation(pool, { id: orgId, name: 'bench licensee', kind: 'licensee' });
  await insertOrganisation(pool, { id: designerId, name: 'bench designer', kind: 'designer' });
  const apiKey = issueApiKey();
  await insertApiKey(pool, {
    keyId: apiKey.keyId,
    orgId,
    name: 'bench',
    secretHash: apiKey.secretHash,
    scopes: ['printers:write'],
  });

  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const registered = await fetch(`${cloud.gatewayUrl}/printers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey.plaintext}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'bench printer',
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }),
    }),
  });
  if (registered.status !== 201)
    throw new Error(`printer registration answered ${registered.status}: ${await registered.text()}`);
  const { credential } = (await registered.json()) as { credential: string };

  const store = createS3ObjectStore({
    endpoint: env.S3_ENDPOINT as string,
    region: env.S3_REGION as string,
    accessKeyId: env.S3_ACCESS_KEY_ID as string,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY as string,
  });
  const design = await createSealedDesign(pool, store, {
    orgId: designerId,
    vaultBucket: BUCKETS.vault,
    keys: createLocalKeyWrapper(Buffer.from(env.MASTER_KEY_BASE64 as string, 'base64')),
  });
  const terms = { issuerOrgId: designerId, holderOrgId: orgId, designId: design.designId };
  const bigLicense = await createLicense(pool, { ...terms, printsTotal: 10_000_000 });
  const contestedLicense = await createLicense(pool, { ...terms, printsTotal: CONTESTED_PRINTS });
  return { credential, bigLicense, contestedLicense };
}

async function ledger(pool: DbPool, licenseId: string) {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT l.prints_total, l.prints_reserved, l.prints_used,
            (SELECT COUNT(*) FROM print_jobs j WHERE j.license_id = l.id) AS jobs,
            (SELECT COUNT(DISTINCT serial) FROM print_jobs j WHERE j.license_id = l.id) AS serials
       FROM licenses l WHERE l.id = ?`,
    [licenseId],
  );
  const row = rows[0] as RowDataPacket;
  return {
    jobs: Number(row.jobs),
    distinctSerials: Number(row.serials),
    printsReserved: Number(row.prints_reserved),
    printsUsed: Number(row.prints_used),
  };
}

/** wrk with a Lua script that POSTs the request and counts 201 / 409 / other answers per thread. */
const WRK_SCRIPT = `
local threads = {}
function setup(thread) table.insert(threads, thread) end
wrk.method = "POST"
wrk.body = '{"licenseId":"' .. os.getenv("LICENSE_ID") .. '"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("PRINTER_CREDENTIAL")
function init(args) created = 0; refused = 0; other = 0 end
function response(status, headers, body)
  if status == 201 then created = created + 1
  elseif status == 409 then refused = refused + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local c, r, o = 0, 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); r = r + t:get("refused"); o = o + t:get("other") end
  io.write(string.format("COUNTS %d %d %d\\n", c, r, o))
end
`;

async function postLoad(
  scratch: string,
  url: string,
  credential: string,
  licenseId: string,
  seconds: number,
  connections: number,
): Promise<PostLoad> {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error('load only targets loopback');
  const script = join(scratch, 'print-authorize.lua');
  await writeFile(script, WRK_SCRIPT);
  let stdout: string;
  try {
    ({ stdout } = await run(
      'wrk',
      ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url],
      { env: { ...process.env, LICENSE_ID: licenseId, PRINTER_CREDENTIAL: credential } },
    ));
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
    return nodeLoad(url, credential, licenseId, seconds, connections);
  }
  const report = parseWrkReport(stdout);
  const [created, refused, other] = report.counts;
  return {
    tool: 'wrk',
    requests: report.requests,
    created,
    refused,
    other,
    perSecond: report.perSecond,
    p50: report.p50,
    p99: report.p99,
  };
}

/** Fallback without wrk: a fetch loop in this process (its own CPU use lowers the figure). */
async function nodeLoad(
  url: string,
  credential: string,
  licenseId: string,
  seconds: number,
  connections: number,
): Promise<PostLoad> {
  const latencies: number[] = [];
  const counts = { created: 0, refused: 0, other: 0 };
  const stopAt = performance.now() + seconds * 1000;
  const body = JSON.stringify({ licenseId });
  const headers = { authorization: `Bearer ${credential}`, 'content-type': 'application/json' };
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < stopAt) {
        const started = performance.now();
        const response = await fetch(url, { method: 'POST', headers, body });
        await response.arrayBuffer();
        latencies.push(performance.now() - started);
        if (response.status === 201) counts.created += 1;
        else if (response.status === 409) counts.refused += 1;
        else counts.other += 1;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
  return {
    tool: 'node',
    requests: latencies.length,
    ...counts,
    perSecond: Math.round(latencies.length / seconds),
    p50: round(at(50) ?? Number.NaN, 3),
    p99: round(at(99) ?? Number.NaN, 3),
  };
}
