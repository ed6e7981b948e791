import { ping } from '#shared/db/migrations.ts';
import type { DbPool } from '#shared/db/pool.ts';
import type { WorkQueue } from '#shared/queue/work-queue.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import type { Probe } from './checks.ts';

export function databaseProbe(pool: DbPool): Probe {
  return () => ping(pool);
}

export function objectStorageProbe(store: ObjectStore, buckets: readonly string[]): Probe {
  return async () => {
    await Promise.all(buckets.map((bucket) => store.ping(bucket)));
    return { buckets: buckets.length };
  };
}

/** Raw JSON-RPC rather than ethers: two calls do not justify loading a library at cold start. */
export function chainProbe(rpcUrl: string): Probe {
  return async () => {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] },
        { jsonrpc: '2.0', id: 2, method: 'eth_blockNumber', params: [] },
      ]),
    });
    if (!response.ok) throw new Error(`JSON-RPC endpoint answered ${response.status}`);
    const answers = (await response.json()) as Array<{
      id: number;
      result?: string;
      error?: { message: string };
    }>;
    const byId = new Map(answers.map((a) => [a.id, a]));
    const chainId = byId.get(1)?.result;
    const block = byId.get(2)?.result;
    if (!chainId || !block) throw new Error('JSON-RPC endpoint gave no chain id or block number');
    return { chainId: Number(chainId), blockNumber: Number(block) };
  };
}

export function queueProbe(queues: readonly WorkQueue[]): Probe {
  return async () =>
    Object.fromEntries(await Promise.all(queues.map(async (q) => [q.name, await q.stats()] as const)));
}
