import type { RowDataPacket } from 'mysql2/promise';
import type { DbPool } from '../db/pool.ts';
import { DependencyUnavailableError } from '../errors.ts';
import type { ChainClient } from './provider.ts';

const LOCK_WAIT_SECONDS = 10;

/**
 * Sends one transaction from the relayer key with a nonce no other sender can take: function
 * instances serialise on a database lock named after the key's address, and the nonce is read
 * from the node's pending count inside it. The lock is held only while sending, never while a
 * transaction is mined, so throughput is bounded by send latency, not block time.
 */
export async function sendSerialised(
  pool: DbPool,
  client: ChainClient,
  send: (nonce: number) => Promise<string>,
): Promise<string> {
  const lockName = `forgecast:relayer:${client.address.toLowerCase()}`;
  const connection = await pool.getConnection();
  try {
    const [rows] = await connection.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [
      lockName,
      LOCK_WAIT_SECONDS,
    ]);
    if (Number(rows[0]?.got) !== 1) throw new DependencyUnavailableError('The relayer is busy; retry later');
    try {
      const nonce = await client.provider.getTransactionCount(client.address, 'pending');
      return await send(nonce);
    } finally {
      await connection.query('SELECT RELEASE_LOCK(?)', [lockName]);
    }
  } finally {
    connection.release();
  }
}
