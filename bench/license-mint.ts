import { readFile } from 'node:fs/promises';
import type { RowDataPacket } from 'mysql2/promise';
import { LicenseLedger } from '#shared/chain/license-ledger.ts';
import { createChainClient } from '#shared/chain/provider.ts';
import { createPool } from '#shared/db/pool.ts';
import { idToBytes16, newId } from '#shared/ids.ts';
import { ensureOperatorKey } from '../infra/local/bootstrap.ts';
import type { LocalCloud } from '../infra/local/cloud.ts';
import { percentile, round } from './lib/stats.ts';

const CLIENTS = Number(process.env.BENCH_MINT_CLIENTS ?? 50);
const MINTS = Number(process.env.BENCH_MINTS ?? 300);

/**
 * Mints per second end to end — gateway, authorizer, license-mint function, MySQL nonce
 * allocation, the relayer, the embedded chain, the receipt — with 50 concurrent clients. The
 * baseline, in the same run, is the chain's own ceiling: the same `issue` transactions sent
 * straight from one in-process wallet (no API, no database), as fast as the node mines them.
 */
export async function benchLicenseMint(cloud: LocalCloud, dataDir: string): Promise<Record<string, unknown>> {
  const pool = createPool(cloud.mysqlUrl, { connectionLimit: 4 });
  try {
    const operator = (await readFile((await ensureOperatorKey(cloud.mysqlUrl, dataDir)).file, 'utf8')).trim();
    const api = (key: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${cloud.gatewayUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const org = async (kind: string, scopes: string[]) => {
      const response = await api(operator, '/orgs', { name: `bench ${kind}`, kind, scopes });
      const created = (await response.json()) as { id: string; apiKey: { key: string } };
      return { id: created.id, key: created.apiKey.key };
    };
    const designer = await org('designer', ['designs:write', 'licenses:write', 'licenses:read']);
    const holder = await org('licensee', ['licenses:read']);
    // A registered design, inserted directly: the vault is benchmarked elsewhere.
    const designId = newId();
    await pool.query(
      `INSERT INTO designs (id, org_id, name, format, declared_bytes, status, upload_key)
       VALUES (?, ?, 'bench', 'stl', 84, 'registered', ?)`,
      [designId, designer.id, `designs/${designId}`],
    );
    const expiresAt = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const mint = (key: string) =>
      api(
        designer.key,
        '/licenses',
        { designId, holderOrgId: holder.id, prints: 100, expiresAt },
        {
          'idempotency-key': key,
        },
      );

    for (let i = 0; i < 10; i++) await mint(`warm-${i}`); // cold starts, relayer set-up

    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < MINTS) {
          const index = next++;
          const t = performance.now();
          const response = await mint(`bench-${index}`);
          await response.arrayBuffer();
          latencies.push(performance.now() - t);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }
      }),
    );
    const apiSeconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);

    const [nonceRows] = await pool.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT nonce) AS distinct_nonces, MAX(nonce) - MIN(nonce) + 1 AS span
         FROM chain_transactions WHERE purpose = 'license.issue' AND ref IN (
           SELECT id FROM licenses WHERE idempotency_key LIKE 'bench-%')`,
    );
    const direct = await directIssues(cloud, designId, MINTS);
    const apiPerSecond = MINTS / apiSeconds;
    return {
      endToEnd: {
        clients: CLIENTS,
        mints: MINTS,
        perSecond: round(apiPerSecond, 1),
        p50Ms: round(percentile(latencies, 50), 1),
        p99Ms: round(percentile(latencies, 99), 1),
        statuses: Object.fromEntries(statuses),
        transactions: Number(nonceRows[0]?.n),
        distinctNonces: Number(nonceRows[0]?.distinct_nonces),
        nonceSpan: Number(nonceRows[0]?.span),
      },
      baselineDirectToChain: { transactions: MINTS, perSecond: round(direct, 1) },
      ratio: round(apiPerSecond / direct, 3),
    };
  } finally {
    await pool.end();
  }
}

/** The same issue call, signed in-process with consecutive nonces and no database. */
async function directIssues(cloud: LocalCloud, designId: string, count: number): Promise<number> {
  const client = await createChainClient({
    rpcUrl: cloud.chainRpcUrl,
    privateKey: cloud.platformEnv.CHAIN_RELAYER_KEY as string,
  });
  try {
    const ledger = await LicenseLedger.connect(client, cloud.contracts.LicenseLedger as string);
    const { chainId } = await client.ping();
    const fee = await client.provider.getFeeData();
    let nonce = await client.provider.getTransactionCount(client.address, 'pending');
    const holder = `0x${'11'.repeat(20)}`;
    const expiresAt = Math.floor(Date.now() / 1000) + 365 * 86_400;
    const started = performance.now();
    const hashes: string[] = [];
    for (let i = 0; i < count; i++) {
      const data = ledger.encodeIssue({
        licenseRef: idToBytes16(newId()),
        designId: idToBytes16(designId),
        holder,
        prints: 100,
        expiresAt,
        printerRoot: `0x${'0'.repeat(64)}`,
      });
      const signed = await client.wallet.signTransaction({
        to: ledger.address,
        data,
        nonce: nonce++,
        chainId,
        gasLimit: 120_000n,
        maxFeePerGas: fee.maxFeePerGas,
        maxPriorityFeePerGas: fee.maxPriorityFeePerGas,
        type: 2,
      });
      hashes.push((await client.provider.send('eth_sendRawTransaction', [signed])) as string);
    }
    const last = hashes.at(-1);
    if (last) await client.provider.waitForTransaction(last);
    return count / ((performance.now() - started) / 1000);
  } finally {
    client.close();
  }
}
